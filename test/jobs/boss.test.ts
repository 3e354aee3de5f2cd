import { describe, expect, it } from 'vitest';
import { maintenanceIntervalSeconds } from '../../src/jobs/boss.ts';
import { whereToLook } from '../../src/staff/digest.ts';

describe('send job expiry (pure)', () => {
  it('pg-boss maintenance runs at a quarter of the send expiry, between 1 s and its default 2 minutes, so a dead worker\'s sends come back soon after they expire', () => {
    expect([5, 60, 600, 3600].map(maintenanceIntervalSeconds)).toEqual([2, 15, 120, 120]);
  });
});

describe('where the rest of a digest section is (pure)', () => {
  it('one `redress cases --status` per case status, and the table for rows with no case', () => {
    expect(whereToLook(['new', 'open', null], "inbound_messages where kind = 'quarantined'")).toEqual([
      'redress cases --status new',
      'redress cases --status open',
      "inbound_messages where kind = 'quarantined'",
    ]);
  });
});
