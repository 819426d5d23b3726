// Registers <secure-sign>. Two partners' snippets on one page may load the widget twice (even two
// versions): the second definition is skipped with a warning instead of throwing, which would
// break the host page's script.
import { SecureSign } from './secure-sign.component.js';

/** The element's tag name. */
export const TAG = 'secure-sign';

// The literal tag (not TAG) lets the custom-elements manifest analyzer see the definition.
if (customElements.get('secure-sign')) {
  console.warn(`<${TAG}>: already defined on this page; keeping the first definition.`);
} else {
  customElements.define('secure-sign', SecureSign);
}

export { SecureSign };

declare global {
  interface HTMLElementTagNameMap {
    'secure-sign': SecureSign;
  }
}
