import { describe, expect, it } from 'vitest';
import { jsonb, withoutNul } from '../../src/db/json.ts';

describe('jsonb: JSON text Postgres accepts as jsonb', () => {
  it('drops NUL characters from values and keys, however deep', () => {
    expect(jsonb({ subject: 'a\u0000b', nested: [{ ['k\u0000']: '\u0000\u0000x' }] })).toBe('{"subject":"ab","nested":[{"k":"x"}]}');
  });

  it('keeps a backslash followed by the text u0000, and a backslash before a NUL', () => {
    expect(JSON.parse(jsonb({ a: '\\u0000', b: '\\\u0000', c: '\\\\u0000' }))).toEqual({ a: '\\u0000', b: '\\', c: '\\\\u0000' });
  });

  it('writes bigints as strings, nested ones too, and dates as ISO strings', () => {
    expect(jsonb([{ id: 12345678901234567890n, data: { inboundId: 7n }, at: new Date('2026-03-02T10:15:00Z') }])).toBe(
      '[{"id":"12345678901234567890","data":{"inboundId":"7"},"at":"2026-03-02T10:15:00.000Z"}]',
    );
  });

  it('still refuses what is not JSON (a cycle) with the error JSON.stringify gives', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonb(cyclic)).toThrow(/circular/i);
  });

  it('withoutNul gives the value back as it would read from jsonb', () => {
    expect(withoutNul({ id: 5n, text: 'x\u0000y' })).toEqual({ id: '5', text: 'xy' });
  });
});
