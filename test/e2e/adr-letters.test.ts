import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { TEST_ADR_CONTACT_TEXT, TEST_ADR_ENV } from '../helpers/adr-scheme.ts';
import { startE2E, type E2E } from '../helpers/e2e.ts';
import { openCase, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/**
 * R14 and R15 as the regulator expects them: the 8-week notice and the deadlock letter say the
 * scheme is free, that the customer has 12 months from the letter, and whom it serves, with
 * the scheme's details from config. The clock starts on Tuesday 1 September 2026, 11:00 in London.
 */
describe('the ADR letters, end to end', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const RIGHTS = (date: string) =>
    `Communications Dispute Scheme is an independent alternative dispute resolution (ADR) scheme. It is free for you to use. You have 12 months from the date of this letter, ${date}, to take your complaint to it. It serves consumers, and businesses with 10 or fewer employees.`;
  /** The printable letter (HTML) says the same, with its emphasis. */
  const RIGHTS_HTML = (date: string) =>
    `Communications Dispute Scheme is an independent alternative dispute resolution (ADR) scheme. It is <strong>free</strong> for you to use. You have <strong>12 months from the date of this letter</strong>, ${date}, to take your complaint to it. It serves consumers, and businesses with 10 or fewer employees.`;
  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test';
  const POST = 'I was charged twice for my August bill and nobody has refunded the second payment. Please send me your reply by post as I rarely read email.';

  it('R14: the 8-week notice names the configured scheme, free, 12 months from the letter, consumers and businesses of 10 or fewer, and so does the printable letter for post', async () => {
    e = await startE2E(TEST_ADR_ENV);
    await addStaff(e.db.sql, RITA, 'rep');
    const { reference } = await openCase(e, `Alice <${ALICE}>`, POST);
    e.at('2026-10-27T11:00:00Z'); // 56 days after 1 September 11:00 BST
    await e.runDue();

    const [notice] = sentTo(e, ALICE, 'adr_notice');
    expect(notice!.parsed.subject).toBe(`Your right to take your complaint to Communications Dispute Scheme [${reference}]`);
    expect(notice!.parsed.text).toContain(RIGHTS('Tuesday 27 October 2026'));
    expect(notice!.parsed.text).toContain(TEST_ADR_CONTACT_TEXT);
    expect(notice!.parsed.text).not.toMatch(/Ombudsman|PO Box 730/);

    const task = sentTo(e, RITA, 'staff_alert').find((m) => m.parsed.subject?.includes('Print and post: adr notice letter (R10)'));
    const letter = task!.parsed.attachments.find((a) => a.filename === `${reference}-adr_notice.html`)!.content.toString('utf8');
    expect(letter).toContain(RIGHTS_HTML('Tuesday 27 October 2026'));
    expect(letter.match(/Dear Alice,/g)).toHaveLength(1); // the letter's own salutation, not the email's greeting too
    for (const detail of ['Unit 7<br>\nQuay House<br>\nSalford<br>\nM50 3AB<br>', 'Email: <a href="mailto:help@cds.example"', 'Website: <a href="https://cds.example/complaints"', 'Telephone: 0300 123 4567', 'Textphone: 18001 0300 123 4567']) {
      expect(letter).toContain(detail);
    }
  });

  it('R15: the deadlock letter gives the same rights from the date it was issued, by email and in the letter to post', async () => {
    e = await startE2E(TEST_ADR_ENV);
    await addStaff(e.db.sql, RITA, 'rep');
    const { reference } = await openCase(e, `Alice <${ALICE}>`, POST);
    e.at('2026-09-15T09:00:00Z');
    await staffSays(e, RITA, reference, '#deadlock');

    const [deadlock] = sentTo(e, ALICE, 'deadlock_letter');
    expect(deadlock!.parsed.text).toContain('You can now take your complaint to Communications Dispute Scheme.');
    expect(deadlock!.parsed.text).toContain(RIGHTS('Tuesday 15 September 2026'));
    expect(deadlock!.parsed.text).toContain(TEST_ADR_CONTACT_TEXT);
    const task = sentTo(e, RITA, 'staff_alert').find((m) => m.parsed.subject?.includes('Print and post: deadlock letter letter (R10)'));
    const letter = task!.parsed.attachments.find((a) => a.filename === `${reference}-deadlock_letter.html`)!.content.toString('utf8');
    expect(letter).toContain(RIGHTS_HTML('Tuesday 15 September 2026'));
    expect(letter).toContain('<h2 style="margin:24px 0 8px;font-size:16px">Our final position</h2>');
    expect(letter).toContain('Email: <a href="mailto:help@cds.example"');
  });

  it('without ADR_SCHEME_* the letters carry the Code of Practice details of Ombudsman Services: Communications', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    await staffSays(e, RITA, reference, '#deadlock');
    const text = sentTo(e, ALICE, 'deadlock_letter')[0]!.parsed.text!;
    expect(text).toContain('Ombudsman Services: Communications is an independent alternative dispute resolution (ADR) scheme. It is free for you to use. You have 12 months from the date of this letter, Tuesday 1 September 2026');
    expect(text).toContain(
      [
        '  Ombudsman Services: Communications',
        '  PO Box 730',
        '  WA4 6WU',
        '  Email: osenquiries@os-communications.org',
        '  Website: http://www.ombudsman-services.org/communications',
        '  Telephone: 0330 440 1614',
        '  Textphone: 0330 440 1600',
      ].join('\n'),
    );
  });
});
