// Duplicate member names (docs/format.md §1): refused in envelopes, their plaintext and signed
// documents, whichever parser a reader uses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SecureSignError,
  generateCampaignKeys,
  openSubmission,
  parseEnvelope,
  sealSubmission,
  signDocument,
  verifyDocument,
} from '@secure-sign/crypto';
import { hasDuplicateMemberName, parseStrictJson } from '../src/json.js';

const keys = await generateCampaignKeys();
const campaign = 'open-letter';
const signer = { kind: 'individual', name: 'Ada', email: 'ada@example.org', consent: { listPublicly: true, contactLater: false } } as const;

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (error: unknown) => (error instanceof SecureSignError ? error.code : Promise.reject(error)),
  );

describe('hasDuplicateMemberName', () => {
  it('finds a repeated name in any object, at any depth, after unescaping', () => {
    for (const text of [
      '{"a":1,"a":2}',
      '{"a":1,"b":{"c":[1,{"d":0,"d":0}]},"e":2}',
      '[{"x":1},{"y":{"z":1,"z":1}}]',
      '{"a":1,"\\u0061":2}',
      '{"\\"":1,"\\u0022":2}',
      '{"a\\\\":1,"a\\u005c":2}',
      '{ "a" : 1 ,\n "a" : 1 }',
      '{"":1,"":2}',
      '{"a":{},"a":[]}',
    ]) {
      expect(parseStrictJson(text), text).toEqual({ ok: false, problem: 'duplicate member name' });
    }
  });

  it('accepts the same name in different objects, names equal to values, and look-alikes', () => {
    for (const text of [
      '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',
      '{"a":"a","b":"a"}',
      '["a","a",{"a":"a"}]',
      '{"a":"\\"a\\":1,\\"a\\":2"}',
      '{"a\\\\":1,"a":2}',
      '{"A":1,"a":2}',
      '{"é":1,"e\\u0301":2}', // not normalised: two different names
      '{}',
      '"{\\"a\\":1,\\"a\\":2}"',
      '12',
    ]) {
      expect(parseStrictJson(text), text).toEqual({ ok: true, value: JSON.parse(text) });
    }
    expect(parseStrictJson('{"a":1,}')).toEqual({ ok: false, problem: 'not JSON' });
  });

  it('agrees with a reference on random JSON texts', () => {
    // Reference: a recursive parse that records names per object.
    const reference = (value: string): boolean => {
      // A tiny recursive descent over text known to be valid JSON.
      let duplicate = false;
      let i = 0;
      const ws = () => { while (' \n\r\t'.includes(value[i] ?? 'x')) i++; };
      const str = (): string => {
        const start = i;
        i++;
        while (value[i] !== '"') i += value[i] === '\\' ? 2 : 1;
        i++;
        return JSON.parse(value.slice(start, i)) as string;
      };
      const val = (): void => {
        ws();
        if (value[i] === '{') {
          i++;
          const seen = new Set<string>();
          ws();
          if (value[i] === '}') { i++; return; }
          for (;;) {
            ws();
            const name = str();
            if (seen.has(name)) duplicate = true;
            seen.add(name);
            ws(); i++; // :
            val();
            ws();
            if (value[i++] === '}') return;
          }
        } else if (value[i] === '[') {
          i++;
          ws();
          if (value[i] === ']') { i++; return; }
          for (;;) { val(); ws(); if (value[i++] === ']') return; }
        } else if (value[i] === '"') str();
        else while (i < value.length && !',]} \n\r\t'.includes(value[i]!)) i++;
      };
      val();
      return duplicate;
    };
    const names = fc.constantFrom('a', 'b', '"', '\\', 'a\\', '\u00e9', '\ud83d\ude00', '');
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(0, 'a', '\\"', true, null),
        fc.array(tie('tree'), { maxLength: 3 }),
        fc.array(fc.tuple(names, tie('tree')), { maxLength: 4 }).map((members) => ({ members })),
      ),
    }));
    // Serialises with possible duplicates and random escaping of names.
    const write = (node: unknown, escape: boolean): string => {
      if (Array.isArray(node)) return `[${node.map((n) => write(n, escape)).join(', ')}]`;
      if (node !== null && typeof node === 'object' && 'members' in node) {
        const members = (node as { members: [string, unknown][] }).members;
        return `{${members
          .map(([k, v]) => {
            const name = escape ? `"${k.split('').map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(k);
            return `${name} : ${write(v, !escape)}`;
          })
          .join(',\n')}}`;
      }
      return JSON.stringify(node);
    };
    let duplicates = 0;
    fc.assert(
      fc.property(tree, fc.boolean(), (node, escape) => {
        const text = write(node, escape);
        const expected = reference(text);
        if (expected) duplicates++;
        expect(hasDuplicateMemberName(text), text).toBe(expected);
      }),
      { numRuns: 1000 },
    );
    expect(duplicates).toBeGreaterThan(100);
  });

  it('walks deep nesting without recursion', () => {
    const deep = `${'{"a":['.repeat(100_000)}1${']}'.repeat(100_000)}`;
    expect(hasDuplicateMemberName(deep)).toBe(false);
    expect(hasDuplicateMemberName(`${'['.repeat(100_000)}{"a":1,"a":1}${']'.repeat(100_000)}`)).toBe(true);
  });
});

describe('duplicate member names are malformed', () => {
  it('in an envelope, even when both values are the same', async () => {
    const envelope = await sealSubmission({ publicKey: keys.publicKey, campaign, signer });
    const text = JSON.stringify(envelope);
    expect(await codeOf(openSubmission(keys, text))).toBe('OK');
    for (const twice of [
      text.replace('"v":1,', '"v":1,"v":1,'),
      text.replace('"sid":', `"sid":"${'A'.repeat(22)}","sid":`),
      text.replace('"campaign":', '"campaign":"elsewhere","campaign":'),
      text.replace('"ct":', '"\\u0063t":"AAAA","ct":'),
    ]) {
      expect(await codeOf(openSubmission(keys, twice))).toBe('MALFORMED_ENVELOPE');
      expect(() => parseEnvelope(twice)).toThrow(/two members of the same name/);
    }
  });

  it('in the plaintext inside an envelope (a schema violation there)', async () => {
    const { pad } = await import('../src/padding.js');
    const { ready } = await import('../src/sodium.js');
    const { toBase64Url } = await import('../src/encode.js');
    const sodium = await ready();
    const sid = 'AAAAAAAAAAAAAAAAAAAAAA';
    const wh = 'A'.repeat(43);
    const sealText = (plaintext: string) => ({
      v: 1 as const, campaign, kid: keys.publicKey.keyId, sid, wh,
      ct: toBase64Url(sodium.crypto_box_seal(pad(new TextEncoder().encode(plaintext)), keys.publicKey.encryptionKey)),
    });
    const good = `{"v":1,"campaign":"${campaign}","sid":"${sid}","wh":"${wh}","createdAt":1,"signer":${JSON.stringify(signer)}}`;
    expect(await codeOf(openSubmission(keys, sealText(good)))).toBe('OK');
    const twice = good.replace('"email":', '"email":"mallory@example.org","email":');
    const error = (await openSubmission(keys, sealText(twice)).catch((e: unknown) => e)) as SecureSignError;
    expect(error.code).toBe('SCHEMA_VIOLATION');
    expect(error.message).toBe('plaintext has two members of the same name');
  });

  it('in a signed document, even where the signature covers the last value', async () => {
    const doc = await signDocument(keys, { type: 'wall', campaign, serial: 4, data: { entries: [{ name: 'Ada' }] } });
    const text = JSON.stringify(doc);
    const now = new Date(Date.parse(doc.payload.issuedAt) + 1000);
    expect(await codeOf(verifyDocument(keys.publicKey, text, { now }))).toBe('OK');
    for (const twice of [
      text.replace('"serial":4', '"serial":99,"serial":4'),
      text.replace('"type":"wall"', '"type":"notice","type":"wall"'),
      text.replace('{"name":"Ada"}', '{"name":"Mallory","name":"Ada"}'),
      text.replace('"sig":', '"sig":"x","sig":'),
    ]) {
      expect(await codeOf(verifyDocument(keys.publicKey, twice, { now }))).toBe('MALFORMED_DOCUMENT');
    }
  });
});
