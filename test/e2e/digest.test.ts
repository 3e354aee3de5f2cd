import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { header, startE2E, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, openCase } from '../helpers/e2e-cases.ts';

/**
 * The staff digest (R4, R8 and the README's digest): once each business day at DIGEST_TIME
 * (08:30 London), counts first, a case reference on every line, priority cases first. The
 * clock starts on Tuesday 1 September 2026, 11:00 in London; 07:30Z is 08:30 BST.
 */
describe('the staff digest, end to end', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const STAFF = ['rita@telco.test', 'sue@telco.test'];

  async function team() {
    await addStaff(e.db.sql, STAFF[0]!, 'rep');
    await addStaff(e.db.sql, STAFF[1]!, 'supervisor');
  }

  /** The lines of each section of a text digest, by title. */
  function sections(text: string): Map<string, string[]> {
    const body = text.split(/\n-{10,}\n/)[0]!; // the staff footer follows the rule
    const blocks = body.split(/\n\s*\n/).slice(1).map((b) => b.split('\n').filter((l) => l.trim() !== ''));
    return new Map(blocks.filter((b) => b.length > 1 && !b[0]!.startsWith('AT A GLANCE')).map((b) => [b[0]!, b.slice(1)]));
  }

  it('one digest goes to staff at 08:30 on a business day, counts first and a case reference on every line; none on Saturday, never twice a day', async () => {
    e = await startE2E();
    await team();
    const a = await openCase(e, 'Alice <alice@example.com>');
    const b = await openCase(e, 'Bob <bob@example.com>', 'My broadband bill for August shows a charge for a router I returned in July. Please remove the charge and refund it.');
    const tuesday = e.sent('staff_digest').length; // Tuesday's went out at the first run after 08:30

    e.at('2026-09-02T07:29:00Z'); // Wednesday 08:29
    await e.runDue();
    expect(e.sent('staff_digest')).toHaveLength(tuesday);

    e.at('2026-09-02T07:30:00Z'); // Wednesday 08:30
    await e.runDue();
    const digests = e.sent('staff_digest').slice(tuesday);
    expect(digests).toHaveLength(1);
    const digest = digests[0]!;
    expect(digest.envelope.to.sort()).toEqual([...STAFF].sort());
    expect(header(digest, 'auto-submitted')).toBe('auto-generated');
    expect(digest.parsed.subject).toMatch(/complaints digest for .*: \d+ overdue, \d+ due today, 2 new/);
    const text = digest.parsed.text!;
    const glance = text.indexOf('AT A GLANCE');
    expect(glance).toBeGreaterThan(-1);
    expect(text).toMatch(/New, awaiting review:\s+2\n/);
    expect(glance).toBeLessThan(text.indexOf(a.reference));
    const bySection = sections(text);
    expect([...bySection.keys()]).toContain('New cases awaiting review (R4)');
    for (const [title, lines] of bySection) {
      for (const line of lines) expect(line, `${title}: ${line}`).toMatch(/^(\[PRIORITY\] )?CMP-\d{4}-\d{6}: /);
    }
    expect(bySection.get('New cases awaiting review (R4)')!.join('\n')).toContain(b.reference);

    e.at('2026-09-02T12:00:00Z'); // later the same day: no second digest
    await e.runDue();
    e.at('2026-09-02T16:00:00Z');
    await e.runDue();
    expect(e.sent('staff_digest').slice(tuesday)).toHaveLength(1);

    e.at('2026-09-05T07:30:00Z'); // Saturday 08:30
    await e.runDue();
    e.at('2026-09-06T10:00:00Z'); // Sunday
    await e.runDue();
    expect(e.sent('staff_digest').slice(tuesday)).toHaveLength(1);

    e.at('2026-09-07T07:30:00Z'); // Monday 08:30
    await e.runDue();
    expect(e.sent('staff_digest').slice(tuesday)).toHaveLength(2);
  });

  it('R8: a vulnerable customer\'s complaint is flagged priority and listed first in its digest section', async () => {
    e = await startE2E();
    await team();
    const ordinary = await openCase(e, 'Alice <alice@example.com>');
    e.at('2026-09-01T12:00:00Z'); // an hour later, so by time alone it would come second
    const vulnerable = await openCase(
      e,
      'Bob <bob@example.com>',
      'My father is 87, lives alone and is housebound. His bill for August was taken twice and he cannot afford the second payment. Please refund it.',
      'Father charged twice',
    );
    expect(await caseRow(e, vulnerable.reference)).toMatchObject({ priority: true });
    expect((await caseRow(e, vulnerable.reference)).flags).toContain('vulnerable');
    expect(await caseRow(e, ordinary.reference)).toMatchObject({ priority: false });
    expect((await historyEvents(e, vulnerable.reference)).find((h) => h.event === 'priority.referral')).toMatchObject({ data: { rule: 'R8' } });

    e.at('2026-09-02T07:30:00Z'); // Wednesday 08:30
    await e.runDue();
    const text = e.sent('staff_digest').at(-1)!.parsed.text!;
    expect(text).toMatch(/Priority cases:\s+1\n/);
    const review = sections(text).get('New cases awaiting review (R4)')!;
    expect(review).toHaveLength(2);
    expect(review[0]).toMatch(new RegExp(`^\\[PRIORITY\\] ${vulnerable.reference}: `));
    expect(review[1]).toMatch(new RegExp(`^${ordinary.reference}: `));
  });
});
