import { describe, expect, it } from 'vitest';
import { afterCheck, dbVerdict } from '../../src/db/outage.ts';
import { retryDelayMs } from '../../src/db/retry.ts';

const MAX = 60_000;

describe('database outage (pure)', () => {
  it('the database is up while checks answer', () => {
    const h = afterCheck({ failingSinceMs: null }, true, 1_000);
    expect(dbVerdict(h, null, 2_000, 2_000, MAX)).toEqual({ up: true, downForMs: 0, giveUp: false });
  });

  it('down from the first failed check; up again at the first answer', () => {
    let h = afterCheck({ failingSinceMs: null }, false, 10_000);
    h = afterCheck(h, false, 12_000);
    expect(dbVerdict(h, null, 30_000, 2_000, MAX)).toEqual({ up: false, downForMs: 20_000, giveUp: false });
    expect(afterCheck(h, true, 31_000)).toEqual({ failingSinceMs: null });
  });

  it('an outage up to DB_OUTAGE_MAX_SECONDS is ridden out; past it the worker gives up', () => {
    const h = afterCheck({ failingSinceMs: null }, false, 0);
    expect(dbVerdict(h, null, MAX, 2_000, MAX).giveUp).toBe(false);
    expect(dbVerdict(h, null, MAX + 1, 2_000, MAX)).toEqual({ up: false, downForMs: MAX + 1, giveUp: true });
  });

  it('a check that hangs counts as failing from when it began', () => {
    const h = { failingSinceMs: null };
    expect(dbVerdict(h, 5_000, 6_000, 2_000, MAX).up).toBe(true);
    expect(dbVerdict(h, 5_000, 7_000, 2_000, MAX)).toEqual({ up: false, downForMs: 2_000, giveUp: false });
  });

  it('steps waiting for the database retry after 250 ms, doubling to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelayMs)).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
