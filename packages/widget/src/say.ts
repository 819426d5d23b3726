// Tells the partner who embedded the widget something on the console: what is wrong and what to
// do, never a key's value or anything a signer typed. The texts live in messages.ts, a chunk loaded
// only now, keeping them out of every page's first load.
import type { PartnerMessage, partnerMessages } from './messages.js';

/** Writes one partner message on the console, prefixed `<secure-sign>: `. */
export function say<K extends PartnerMessage>(level: 'error' | 'warn', message: K, ...args: Parameters<(typeof partnerMessages)[K]>): void {
  void import('./messages.js')
    .then(
      ({ partnerMessages }) => (partnerMessages[message] as (...a: string[]) => string)(...args),
      () => message, // the chunk did not arrive (offline): at least the message's name
    )
    .then((text) => console[level](`<secure-sign>: ${text}`));
}
