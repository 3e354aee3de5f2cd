/** Postgres jsonb cannot hold U+0000, which hostile or broken mail can carry; the raw bytes keep the original. */
const jsonSafe = (_k: string, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : typeof v === 'bigint' ? v.toString() : v);

/** JSON text Postgres accepts as jsonb: no NUL characters, bigints as strings. */
export function jsonb(value: unknown): string {
  return JSON.stringify(value, jsonSafe);
}

export function withoutNul<T>(value: T): T {
  return JSON.parse(jsonb(value)) as T;
}
