import { afterEach, describe, expect, it } from 'vitest';
import { caseDetail } from '../../src/cases/case-view.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { messageIdOf, startE2E, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, openCase, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/** The clock starts on Tuesday 1 September 2026, 11:00 in London. */
describe('end to end: review, jurisdiction and the record', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  it('R4: a new case is in the digest as awaiting review until a representative acts, then the review deadline is met', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, 'rita@telco.test', 'rep');
    const { reference } = await openCase(e, 'alice@example.com');
    e.at('2026-09-02T07:30:00Z'); // Wednesday 08:30 London
    await e.runDue();
    const first = sentTo(e, 'rita@telco.test', 'staff_digest').at(-1)!;
    expect(first.parsed.text).toContain('Wednesday 2 September');
    expect(first.parsed.text).toMatch(new RegExp(`${reference}.*review`));
    e.at('2026-09-02T08:00:00Z');
    await staffSays(e, 'rita@telco.test', reference, '#assign');
    const [review] = await e.db.sql`select d.status from deadlines d join cases c on c.id = d.case_id where c.reference = ${reference} and d.kind = 'review'`;
    expect(review!.status).toBe('met');
    e.at('2026-09-03T07:30:00Z');
    await e.runDue();
    const second = sentTo(e, 'rita@telco.test', 'staff_digest').at(-1)!;
    expect(second.parsed.text).toContain('Thursday 3 September');
    expect(second.parsed.text).not.toMatch(new RegExp(`${reference}.*review owed`));
  });

  it('R16: a case staff mark out of the scheme\'s jurisdiction gets no ADR notice at 8 weeks', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, 'sue@telco.test', 'supervisor');
    const { reference } = await openCase(e, 'bigco@example.com');
    await staffSays(e, 'sue@telco.test', reference, '#flag out-of-jurisdiction\nA business with 40 employees: outside the Ombudsman scheme.');
    expect((await caseRow(e, reference)).flags).toContain('out_of_jurisdiction');
    e.at('2026-10-28T10:00:00Z');
    await e.runDue();
    expect(sentTo(e, 'bigco@example.com', 'adr_notice')).toHaveLength(0);
  });

  it('R18: every message (raw), state change, staff action and deadline is on the append-only record with who and when', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, 'rita@telco.test', 'rep');
    const { reference, id } = await openCase(e, 'alice@example.com');
    await staffSays(e, 'rita@telco.test', reference, '#outcome We refunded the second payment of £38.20.');
    const outcome = sentTo(e, 'alice@example.com', 'outcome')[0]!;
    await e.email({ from: 'alice@example.com', subject: `Re: ${outcome.parsed.subject}`, body: 'Yes, resolved, thank you.', inReplyTo: messageIdOf(outcome) });
    await e.runDue();

    const detail = (await caseDetail(e.db.sql, reference))!;
    expect(detail.status).toBe('closed');
    const events = (await historyEvents(e, reference)).map((h) => `${h.event} by ${h.actor.split(':')[0]}`);
    for (const expected of ['case.opened by customer', 'message.queued by system', 'deadline.set by system', 'acknowledged by system', 'deadline.met by system', 'message.staff by staff', 'outcome.recorded by staff', 'message.confirmation by sender', 'case.closed by customer']) {
      expect(events).toContain(expected);
    }
    const [raw] = await e.db.sql`
      select count(*) filter (where octet_length(raw) > 0)::int as with_raw, count(*)::int as n from (
        select raw from inbound_messages where case_id = ${id} union all select raw from outbound_messages where case_id = ${id}) m`;
    expect(raw!.with_raw).toBe(raw!.n);
    expect(raw!.n).toBeGreaterThanOrEqual(6);
    await expect(e.db.sql`delete from case_history where case_id = ${id}`).rejects.toThrow(/append-only/);
  });
});
