import { enFirst } from './en-first.js';
import { enLate } from './en-late.js';
import type { Translation } from './translation.js';

/** English (the widget's first load carries only en-first.ts; the lazy chunk brings en-late.ts). */
export const en: Translation = { ...enFirst, ...enLate };
