// The rules of docs/format.md §3 and §4 that the spec spells out as lists: checked against the
// spec's own text, so that the document and the code cannot drift apart.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COUNTRY_CODES,
  MAX_CANONICAL_DEPTH,
  SecureSignError,
  canonicalJson,
  generateCampaignKeys,
  openSubmission,
  parseEnvelope,
  sealSubmission,
  validateSigner,
} from '@secure-sign/crypto';

const spec = readFileSync(new URL('../../../docs/format.md', import.meta.url), 'utf8');
const signer = { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } } as const;

/** The code points listed (`U+XXXX` or `U+XXXX–U+YYYY`) in the spec paragraph that starts with `marker`. */
function listedCodePoints(marker: string): number[] {
  const start = spec.indexOf(marker);
  expect(start, marker).toBeGreaterThanOrEqual(0);
  const paragraph = spec.slice(start, spec.indexOf('\n\n', start));
  const points: number[] = [];
  for (const [, from, to] of paragraph.matchAll(/U\+([0-9A-F]{4,6})(?:–U\+([0-9A-F]{4,6}))?/g)) {
    for (let cp = parseInt(from!, 16); cp <= parseInt(to ?? from!, 16); cp++) points.push(cp);
  }
  return points;
}

const rejects = (change: object) => {
  try {
    validateSigner({ ...signer, ...change });
    return false;
  } catch (error) {
    if (error instanceof SecureSignError && error.code === 'SCHEMA_VIOLATION') return true;
    throw error;
  }
};

describe('white space (format.md §4)', () => {
  const listed = listedCodePoints('**White space**');

  it('the spec lists exactly the code points this engine trims (ECMAScript WhiteSpace and LineTerminator)', () => {
    const trimmed: number[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) if (String.fromCharCode(cp).trim() === '') trimmed.push(cp);
    expect(listed).toEqual(trimmed);
    expect(listed).toHaveLength(25);
  });

  it('trims exactly the listed code points around text, e-mail and country, and keeps inner white space', () => {
    for (const cp of listed) {
      const ws = String.fromCodePoint(cp);
      const hex = cp.toString(16);
      const out = validateSigner({ ...signer, name: `${ws}Ada${ws}`, email: `${ws}ada@example.org${ws}`, country: `${ws}gb${ws}` });
      expect(out.name, hex).toBe('Ada');
      expect(out.email, hex).toBe('ada@example.org');
      expect(out.country, hex).toBe('GB');
      expect(validateSigner({ ...signer, comment: `${ws}a${ws}` }).comment, hex).toBe('a');
    }
    expect(validateSigner({ ...signer, name: 'Ada\u00a0\u00a0Lovelace' }).name).toBe('Ada\u00a0\u00a0Lovelace');
    // Look-alikes of white space that are not in the list are not trimmed.
    expect(validateSigner({ ...signer, comment: '\u200bx\u200b' }).comment).toBe('\u200bx\u200b');
    expect(rejects({ name: '\u0085Ada' })).toBe(true); // NEL is a C1 control, not white space
  });

  it('an e-mail address with white space inside is refused, for each listed code point', () => {
    for (const cp of listed) expect(rejects({ email: `ada${String.fromCodePoint(cp)}x@example.org` }), cp.toString(16)).toBe(true);
  });
});

describe('characters refused in e-mail addresses (format.md §4)', () => {
  const listed = listedCodePoints('**Refused in e-mail addresses**');

  it('covers at least C0, C1, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069 and U+FEFF', () => {
    for (const cp of [0x00, 0x1f, 0x7f, 0x80, 0x9f, 0x200b, 0x200f, 0x202a, 0x202e, 0x2060, 0x2069, 0xfeff]) {
      expect(listed).toContain(cp);
    }
  });

  it('refuses each listed code point anywhere in an address, and accepts the address without it', () => {
    for (const cp of listed) {
      const ch = String.fromCodePoint(cp);
      for (const email of [`a${ch}da@example.org`, `ada@exa${ch}mple.org`, `ada@example.org${ch}x`]) {
        expect(rejects({ email }), `${cp.toString(16)} in ${JSON.stringify(email)}`).toBe(true);
      }
    }
    // The right-to-left override that made `ada@\u202egro.elpmaxe` display as `ada@example.org`.
    expect(rejects({ email: 'ada@\u202egro.elpmaxe' })).toBe(true);
    expect(validateSigner({ ...signer, email: 'zoë@exämple.org' }).email).toBe('zoë@exämple.org');
    expect(validateSigner({ ...signer, email: 'имя@пример.рф' }).email).toBe('имя@пример.рф');
  });

  it('text fields keep their own list: bidi controls and C0/C1 refused, zero-width joiners allowed', () => {
    for (const cp of listedCodePoints('**Refused in text**')) {
      expect(rejects({ name: `A${String.fromCodePoint(cp)}da` }), cp.toString(16)).toBe(true);
    }
    expect(validateSigner({ ...signer, name: 'می\u200cخواهم' }).name).toBe('می\u200cخواهم');
    expect(validateSigner({ ...signer, comment: 'a\nb' }).comment).toBe('a\nb');
  });
});

describe('country codes (format.md §4)', () => {
  it('the spec enumerates exactly the accepted codes', () => {
    const start = spec.indexOf('**Country codes**');
    expect(start).toBeGreaterThanOrEqual(0);
    const block = spec.slice(spec.indexOf('```', start) + 3, spec.indexOf('```', spec.indexOf('```', start) + 3));
    expect(block.trim().split(/\s+/)).toEqual([...COUNTRY_CODES]);
    expect(COUNTRY_CODES).toHaveLength(249);
    expect(rejects({ country: 'XK' })).toBe(true);
    expect(rejects({ country: 'UK' })).toBe(true);
  });
});

describe('NFC (format.md §4)', () => {
  it('states the Unicode version of this runtime honestly', () => {
    expect(spec).toContain('String.prototype.normalize');
    expect(validateSigner({ ...signer, name: 'Zoe\u0308' }).name).toBe('Zo\u00eb');
  });
});

describe('nesting depth (format.md §5.1)', () => {
  it('counts from 0 at the value being canonicalised; every value, scalars too, at most 32 deep', () => {
    const nest = (arrays: number): unknown => (arrays === 0 ? 1 : [nest(arrays - 1)]);
    expect(MAX_CANONICAL_DEPTH).toBe(32);
    expect(() => canonicalJson(nest(32))).not.toThrow(); // the scalar is at depth 32
    expect(() => canonicalJson(nest(33))).toThrow(RangeError);
    expect(() => canonicalJson({ data: nest(31) })).not.toThrow();
    expect(() => canonicalJson({ data: nest(32) })).toThrow(RangeError);
  });
});

const keys = await generateCampaignKeys();
const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign: 'open-letter', signer });

describe('envelope members (format.md §3.5)', () => {
  const code = (value: object) =>
    openSubmission(keys, JSON.stringify(value)).then(
      () => 'OK',
      (e: unknown) => (e as SecureSignError).code,
    );

  it('an empty ct is malformed, not an authentication failure', async () => {
    expect(await code({ ...envelope, ct: '' })).toBe('MALFORMED_ENVELOPE');
    expect(() => parseEnvelope({ ...envelope, ct: '' })).toThrow(/ct: must not be empty/);
  });

  it('sid must be the canonical base64url of exactly 16 bytes', async () => {
    const last = envelope.sid.at(-1)!;
    // The last character carries 2 data bits and 4 unused ones: only A, Q, g and w leave them zero.
    const lenient = envelope.sid.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
    expect(await code({ ...envelope, sid: lenient })).toBe('MALFORMED_ENVELOPE');
    expect(await code({ ...envelope, sid: `${envelope.sid}A` })).toBe('MALFORMED_ENVELOPE');
    expect(await code({ ...envelope, sid: `${envelope.sid.slice(0, -1)}=` })).toBe('MALFORMED_ENVELOPE');
    expect(await code(envelope)).toBe('OK');
  });

  it('section 3.5 names every member it checks', () => {
    const step = spec.slice(spec.indexOf('### 3.5 Opening'), spec.indexOf('## 4.'));
    for (const member of ['`v`', '`campaign`', '`kid`', '`sid`', '`wh`', '`ct`']) expect(step).toContain(member);
  });
});
