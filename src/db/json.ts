/** A bigint as JSON: a string, which Postgres casts back to bigint. */
const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
/** A `\u0000` escape not itself escaped (`\\u0000` is a backslash and the text "u0000"). */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * JSON text Postgres accepts as jsonb: bigints as strings, and no NUL characters (jsonb cannot
 * hold U+0000, which hostile or broken mail can carry; the raw bytes keep the original).
 * Native JSON.stringify first: a replacer runs once per key and doubles the cost of a batch's rows.
 */
export function jsonb(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError && /BigInt/i.test(err.message))) throw err;
    text = JSON.stringify(value, bigintSafe);
  }
  return text.includes('\\u0000') ? text.replace(NUL_ESCAPE, '$1') : text;
}

export function withoutNul<T>(value: T): T {
  return JSON.parse(jsonb(value)) as T;
}
