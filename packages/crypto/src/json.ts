// Strict JSON text (docs/format.md §1): RFC 8259 JSON in which no object has two members of the
// same name. JSON.parse keeps the last of two, other languages' parsers the first or either, so a
// document with duplicates could mean one thing to the widget and another to a verifier written
// elsewhere: refusing them leaves one reading.
//
// Rules for this file:
// - JSON.parse decides what is JSON; the scanner runs only on text it accepted, so it need not
//   validate, only find member names.
// - One pass, no recursion (hostile nesting cannot exhaust the stack), no regular expressions.
// - Names are compared after unescaping (`"a"` and `"\u0061"` are the same name), as UTF-16 code
//   units, without Unicode normalisation.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** @internal Why a text was refused by {@link parseStrictJson}. */
export type StrictJsonProblem = 'not JSON' | 'duplicate member name';

/**
 * @internal Parses JSON text, refusing text that is not JSON and objects with two members of the
 * same name.
 */
export function parseStrictJson(text: string): { ok: true; value: unknown } | { ok: false; problem: StrictJsonProblem } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  return hasDuplicateMemberName(text) ? { ok: false, problem: 'duplicate member name' } : { ok: true, value };
}

/** @internal Whether valid JSON text has an object with two members of the same name. */
export function hasDuplicateMemberName(text: string): boolean {
  // The member names of each open object; null for an open array (or outside any container).
  const stack: (Set<string> | null)[] = [];
  let names: Set<string> | null = null;
  // True where the next string, if any, is a member name: after `{` and after `,` in an object.
  let expectName = false;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // The closing quote is the first one not preceded by an odd number of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let k = end - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (expectName && names !== null) {
        let name = text.slice(i + 1, end);
        if (name.includes('\\')) name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names.has(name)) return true;
        names.add(name);
        expectName = false;
      }
      i = end + 1;
      continue;
    }
    switch (c) {
      case 0x7b: // {
        stack.push(names);
        names = new Set();
        expectName = true;
        break;
      case 0x5b: // [
        stack.push(names);
        names = null;
        expectName = false;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        names = stack.pop() ?? null;
        expectName = false;
        break;
      case 0x2c: // ,
        expectName = names !== null;
        break;
      default:
        break;
    }
    i++;
  }
  return false;
}
