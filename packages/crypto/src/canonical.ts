// Canonical JSON (docs/format.md §5): the byte string that signatures cover. It is the subset of
// RFC 8785 (JCS) that needs no floating-point formatting: numbers must be safe integers, so any
// JCS implementation produces the same bytes for the values we accept.

/** A JSON value that {@link canonicalJson} accepts. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

/** Deepest nesting accepted, so hostile documents cannot exhaust the stack. */
export const MAX_CANONICAL_DEPTH = 32;

function write(value: unknown, depth: number, path: string): string {
  if (depth > MAX_CANONICAL_DEPTH) throw new RangeError(`value: nested deeper than ${MAX_CANONICAL_DEPTH} at ${path}`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(`value: only safe integers are allowed in canonical JSON (at ${path})`);
      }
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      if (!value.isWellFormed()) throw new TypeError(`value: string with a lone surrogate at ${path}`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => write(item, depth + 1, `${path}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`value: only plain objects are allowed (at ${path})`);
      }
      // JCS orders members by the UTF-16 code units of their names: the default sort does exactly
      // that. Members whose value is undefined are left out, as JSON.stringify leaves them out
      // (an optional field set to undefined is an absent field, never a serialisation error).
      const keys = Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort();
      const members = keys.map((key) => {
        if (!key.isWellFormed()) throw new TypeError(`value: member name with a lone surrogate at ${path}`);
        return `${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], depth + 1, `${path}.${key}`)}`;
      });
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`value: ${typeof value} is not a JSON value (at ${path})`);
  }
}

/**
 * Serialises a JSON value canonically: object members sorted by name, no white space, strings
 * escaped as JSON.stringify does, integers only.
 *
 * @param value - a JSON value of plain objects, arrays, strings, safe integers, booleans and null.
 * Object members whose value is `undefined` are omitted, as `JSON.stringify` omits them.
 *
 * @throws TypeError for anything else (floats, a bare or array-element undefined, functions, class
 * instances, lone surrogates).
 * @throws RangeError if nested deeper than {@link MAX_CANONICAL_DEPTH}.
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0, '$');
}
