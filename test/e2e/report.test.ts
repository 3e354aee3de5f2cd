import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { messageIdOf, startE2E, type E2E } from '../helpers/e2e.ts';
import { openCase, redressAt, staffSays } from '../helpers/e2e-cases.ts';

/**
 * `redress report` over cases made by email and the CLI, the clock moved as a quiet office
 * would move it (one progress update sent a day late). The clock starts on Tuesday 1
 * September 2026, 11:00 in London.
 */
describe("the regulator's report, end to end", () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const redress = (args: string[]) => redressAt(e, args);

  it('September in figures: three complaints by email, one resolved and confirmed, one withdrawn, one whose second progress update went out a day late', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, 'rita@telco.test', 'rep');
    const alice = await openCase(e, 'Alice <alice@example.com>');
    const bob = await openCase(e, 'Bob <bob@example.com>');
    await openCase(e, 'Cara <cara@example.com>');

    e.at('2026-09-02T09:00:00Z');
    await staffSays(e, 'rita@telco.test', alice.reference, '#outcome We refunded the second payment.');
    expect((await redress(['case', bob.reference, 'withdrawn', '--by', 'rita@telco.test'])).code).toBe(0);
    e.at('2026-09-03T09:00:00Z');
    const [outcome] = e.sent('outcome');
    await e.email({ from: 'alice@example.com', subject: `Re: ${outcome!.parsed.subject}`, body: 'Yes, resolved, thank you.', inReplyTo: messageIdOf(outcome!) });
    await e.runDue();
    e.at('2026-09-08T10:00:00Z'); // Cara's first update is due now (5 business days): on time
    await e.runDue();
    e.at('2026-09-16T10:00:00Z'); // her second was due yesterday at 11:00 BST: a day late
    await e.runDue();

    const json = await redress(['report', '--from', '2026-09-01', '--to', '2026-09-30', '--format', 'json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toEqual({
      period: { from: '2026-09-01', to: '2026-09-30', time_zone: 'Europe/London', start: '2026-08-31T23:00:00.000Z', end: '2026-09-30T23:00:00.000Z' },
      generated_at: '2026-09-16T10:00:00.000Z',
      received: { total: 3, by_channel: { email: 3, phone: 0, portal: 0, letter: 0 } },
      deadlines: [
        { rule: 'R1', kind: 'ack', met: 3, missed: 0, overdue: 0, worst_late_seconds: null },
        { rule: 'R3', kind: 'update', met: 1, missed: 1, overdue: 0, worst_late_seconds: 86400 },
        { rule: 'R6', kind: 'engineering_target', met: 0, missed: 0, overdue: 0, worst_late_seconds: null },
        { rule: 'R6', kind: 'engineering_overdue', met: 0, missed: 0, overdue: 0, worst_late_seconds: null },
        { rule: 'R7', kind: 'director', met: 0, missed: 0, overdue: 0, worst_late_seconds: null },
        { rule: 'R12', kind: 'closure', met: 0, missed: 0, overdue: 0, worst_late_seconds: null },
        { rule: 'R14', kind: 'adr', met: 0, missed: 0, overdue: 0, worst_late_seconds: null },
      ],
      time_to_acknowledgement: { cases: 3, median_seconds: 0, p95_seconds: 0 },
      time_to_outcome: { cases: 1, median_seconds: 23 * 3600, p95_seconds: 23 * 3600 },
      resolved_within_8_weeks: { resolved: 1, not_resolved: 0, not_yet_due: 1, share: 1 },
      adr_notices: 0,
      deadlock_letters: 0,
      closures: { confirmed: 1, no_response: 0, withdrawn: 1 },
    });

    const table = await redress(['report', '--from', '2026-09-01', '--to', '2026-09-30']);
    expect(table.stdout).toContain('Complaints received         3\n  email                     3\n');
    expect(table.stdout).toContain('  R3    update               1    1       0        1 d 0 h');
    expect(table.stdout).toContain('Time to outcome             median 23 h 00 min, 95th percentile 23 h 00 min (1 case)');
    const csv = await redress(['report', '--from', '2026-09-01', '--to', '2026-09-30', '--format', 'csv']);
    expect(csv.stdout.split('\n')).toEqual(expect.arrayContaining(['section,item,measure,value', 'received,email,count,3', 'deadline,R3 update,missed,1', 'closures,withdrawn,count,1']));

    const august = JSON.parse((await redress(['report', '--from', '2026-08-01', '--to', '2026-08-31', '--format', 'json'])).stdout);
    expect(august.received.total).toBe(0);
  });

  it('refuses a bad period or format with a clear error', async () => {
    e = await startE2E();
    expect(await redress(['report', '--from', '2026-09-31', '--to', '2026-10-01'])).toEqual({ code: 1, stdout: '', stderr: 'redress: --from must be a date YYYY-MM-DD, got "2026-09-31"\n' });
    expect(await redress(['report', '--from', '2026-10-01', '--to', '2026-09-01'])).toEqual({ code: 1, stdout: '', stderr: 'redress: --from 2026-10-01 is after --to 2026-09-01\n' });
    expect(await redress(['report', '--from', '2026-09-01', '--to', '2026-09-30', '--format', 'xml'])).toEqual({ code: 1, stdout: '', stderr: 'redress: --format must be one of table, json, csv, got "xml"\n' });
    expect((await redress(['report', '--from', '2026-09-01'])).stderr).toContain("required option '--to <date>' not specified");
  });
});
