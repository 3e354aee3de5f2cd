/** Postgres jsonb cannot hold U+0000, which hostile or broken mail can carry; the raw bytes keep the original. */
export function withoutNul<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : typeof v === 'bigint' ? v.toString() : v))) as T;
}
