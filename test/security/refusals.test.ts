import fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { header, messageIdOf, rawMail, startE2E, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, kindOf, openCase, sentTo } from '../helpers/e2e-cases.ts';

/**
 * The refusals the attack review found correct, kept under test through the real mailbox:
 * strangers naming a reference or replying with our Message-ID, staff commands inside
 * customer mail, injection through names and subjects, path tricks in Message-IDs, and
 * oversized or malformed mail.
 */
describe('security: what was refused correctly stays refused', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test';

  async function aliceCase() {
    e = await startE2E({ MAX_MESSAGE_BYTES: '200000' });
    await addStaff(e.db.sql, RITA, 'rep');
    return openCase(e, `Alice <${ALICE}>`);
  }

  it('a stranger naming a case reference (without its token) opens nothing and closes nothing', async () => {
    const c = await aliceCase();
    const before = e.sink.messages.length;
    await e.email({ from: 'mallory@evil.test', subject: `Re: [${c.reference}]`, body: `Yes, resolved, please close ${c.reference}.` });
    await e.runDue();
    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 1 }]);
    expect((await caseRow(e, c.reference)).status).toBe('new');
    expect(e.sink.messages.slice(before)).toHaveLength(0);
    const [row] = await e.db.sql`select kind, classification -> 'reasons' as reasons from inbound_messages where from_address = 'mallory@evil.test'`;
    expect(row).toEqual({ kind: 'other', reasons: ['names-reference-without-token'] });
  });

  it('a stranger replying with our Message-ID acts on nothing', async () => {
    const c = await aliceCase();
    await e.email({ from: 'mallory@evil.test', subject: 'Re: your complaint', body: 'This is not resolved, escalate it.', inReplyTo: messageIdOf(c.ack) });
    await e.runDue();
    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'new', owner_role: 'rep', director_escalated_at: null });
    const [row] = await e.db.sql`select kind, classification -> 'reasons' as reasons from inbound_messages where from_address = 'mallory@evil.test'`;
    expect(row).toEqual({ kind: 'other', reasons: ['thread-sender-not-on-case'] });
  });

  it('a staff command inside customer mail is refused and shown to staff', async () => {
    const c = await aliceCase();
    const before = e.sink.messages.length;
    await e.email({ from: ALICE, subject: 'Re: your complaint', body: '#outcome Everything is fine, close it.', inReplyTo: messageIdOf(c.ack) });
    await e.runDue();
    expect((await caseRow(e, c.reference)).outcome).toBeNull();
    expect((await historyEvents(e, c.reference)).filter((h) => h.event === 'command.refused').map((h) => h.data)).toEqual([
      { verb: 'outcome', from: ALICE, reason: 'the sender is not a staff address' },
    ]);
    expect(e.sink.messages.slice(before).map((m) => [kindOf(m), m.envelope.to])).toEqual([['staff_alert', [RITA]]]);
  });

  it('header, HTML and template injection through a name and a subject reach our mail as text', async () => {
    e = await startE2E({ MAX_MESSAGE_BYTES: '200000' });
    await addStaff(e.db.sql, RITA, 'rep');
    const name = '=?utf-8?Q?Eve=0D=0ABcc=3A_victim=40example=2Enet?=';
    await e.email({ from: `${name} <eve@example.org>`, subject: '<script>alert(1)</script> {{organisation}}\u0085Bcc: victim@example.net', body: 'My bill is wrong this month, I was charged for calls I never made.' });
    await e.runDue();
    const [ack] = sentTo(e, 'eve@example.org', 'ack');
    expect(ack!.envelope.to).toEqual(['eve@example.org']);
    expect(header(ack!, 'bcc')).toBeUndefined();
    expect(ack!.raw.toString()).not.toMatch(/^bcc:/im);
    expect(ack!.parsed.text).toContain('("<script>alert(1)</script> {{organisation}} Bcc: victim@example.net")');
    expect(ack!.parsed.text).toMatch(/^Dear Eve Bcc: victim@example\.net,$/m);

    e.at('2026-09-02T07:30:00Z'); // the staff digest, in HTML, names the case by its subject
    await e.runDue();
    const digest = e.sent('staff_digest').at(-1)!;
    expect(digest.parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; {{organisation}}');
    expect(digest.parsed.html).not.toContain('<script>');
  });

  it('a Message-ID with path tricks is only an identity: nothing is written outside the outbox', async () => {
    e = await startE2E({ SMTP_URL: '' });
    const tricky = '../../../../tmp/redress-escape@example.org';
    await e.deliver(rawMail({ from: 'pat@example.org', subject: 'Overcharged', body: 'I was overcharged on my last bill by twenty pounds, please correct it.' }, tricky, e.app.clock.now()));
    await e.runDue();
    expect(await e.db.sql`select kind from inbound_messages where message_id = ${tricky}`).toEqual([{ kind: 'complaint' }]);
    const files = await fs.readdir(`${e.app.dataDir}/outbox`);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^redress\.[0-9a-f]{24}@redress\.test\.eml$/);
    await expect(fs.access('/tmp/redress-escape@example.org')).rejects.toThrow();
  });

  it('oversized and malformed messages are stored raw and quarantined with a reason', async () => {
    e = await startE2E({ MAX_MESSAGE_BYTES: '200000' });
    await e.deliver(rawMail({ from: 'big@example.org', subject: 'Huge', body: 'x'.repeat(250_000) }, 'huge-1@example.org', e.app.clock.now()));
    await e.deliver('this is not an email at all\r\nno header fields here\r\n');
    await e.runDue();
    const rows = await e.db.sql<{ kind: string; quarantine_reason: string; size_bytes: number }[]>`
      select kind, quarantine_reason, size_bytes from inbound_messages order by id`;
    expect(rows.map((r) => [r.kind, r.quarantine_reason.replace(/\d+/g, 'N')])).toEqual([
      ['quarantined', 'over limits: size: N > N bytes'],
      ['quarantined', 'no header fields: not an RFC N message'],
    ]);
    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 0 }]);
    expect(e.sink.messages).toHaveLength(0);
  });
});
