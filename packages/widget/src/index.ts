/**
 * @secure-sign/widget: the `<secure-sign>` web component. Importing this module defines the
 * element (once per page; a second definition is skipped with a warning).
 *
 * @packageDocumentation
 */
export { SecureSign, TAG } from './secure-sign.js';
export type {
  SecureSignErrorCode,
  SecureSignErrorDetail,
  SecureSignEventMap,
  SecureSignQueuedDetail,
  SecureSignReadyDetail,
  SecureSignStartDetail,
  SecureSignSuccessDetail,
} from './events.js';
export { LANGUAGES, pickLanguage, type Language, type StringOverrides, type Translation } from './i18n/translation.js';
export type { ReceiptStrings } from './i18n/receipt.js';
export { QUEUE_KEY_PREFIX } from './queue.js';
export type { SecureSignJSXAttributes } from './jsx.js';
