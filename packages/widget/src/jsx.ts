// React/JSX typings for <secure-sign>: `import '@secure-sign/widget'` makes the element known to
// TypeScript's JSX checker (React 19's `react` JSX namespace and the global one).
import type { StringOverrides } from './i18n/translation.js';
import type { SecureSign } from './secure-sign.component.js';

/** The attributes of `<secure-sign>` as JSX props. */
export interface SecureSignJSXAttributes {
  campaign: string;
  'campaign-key': string;
  collector: string;
  lang?: string;
  'privacy-url'?: string;
  fields?: string;
  'required-fields'?: string;
  kinds?: string;
  theme?: 'light' | 'dark' | 'auto';
  'hide-count'?: boolean;
  'hide-wall'?: boolean;
  'wall-limit'?: number;
  'share-url'?: string;
  'fingerprint-url'?: string;
  /** JSON text of string overrides. */
  strings?: string | StringOverrides;
  id?: string;
  class?: string;
  className?: string;
  slot?: string;
  hidden?: boolean;
  ref?: unknown;
  key?: string | number;
  children?: unknown;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'secure-sign': SecureSignJSXAttributes;
    }
  }
}

export type { SecureSign };
