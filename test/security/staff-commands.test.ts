import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { createTestDb } from '../helpers/db.ts';
import { dmarcPass, startE2E, TEST_AUTHSERV_ID, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, kindOf, openCase, sentTo } from '../helpers/e2e-cases.ts';

/**
 * Issue "Only the right people can act by email", IMAP intake behind an MTA whose
 * Authentication-Results (authserv-id mx.redress.test) are the only evidence trusted.
 * Each attack goes through the real mailbox and is shown refused, recorded and shown to staff.
 */
describe('security: staff commands by email act only with sender authentication', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ANN = 'ann@telco.test';
  const SUE = 'sue@telco.test';
  const ALICE = 'alice@example.com';
  const ourFail = `Authentication-Results: ${TEST_AUTHSERV_ID}; spf=fail smtp.mailfrom=telco.test; dmarc=fail (p=reject) header.from=telco.test`;
  const forgedPass = `Authentication-Results: ${TEST_AUTHSERV_ID}; dmarc=pass header.from=telco.test`;

  async function caseWithStaff() {
    e = await startE2E();
    await addStaff(e.db.sql, ANN, 'rep');
    await addStaff(e.db.sql, SUE, 'supervisor');
    return openCase(e, `Alice <${ALICE}>`);
  }

  /** A command from "Ann", naming the case only in the Subject, with the given MTA trace. */
  async function commandAsAnn(reference: string, body: string, trace: string[]) {
    const before = e.sink.messages.length;
    await e.email({ from: `Ann <${ANN}>`, subject: `Re: [${reference}] complaint`, body, trace });
    await e.runDue();
    return e.sink.messages.slice(before);
  }

  async function expectRefused(reference: string, verb: string, after: Awaited<ReturnType<typeof commandAsAnn>>) {
    expect((await caseRow(e, reference)).status).toBe('new');
    const refused = (await historyEvents(e, reference)).filter((h) => h.event === 'command.refused');
    expect(refused.map((h) => h.data)).toEqual([{ verb, from: ANN, reason: 'the message did not pass sender authentication' }]);
    expect(after.map((m) => [kindOf(m), [...m.envelope.to].sort()])).toEqual([['staff_alert', [ANN, SUE]]]);
    expect(after[0]!.parsed.subject).toBe(`Command #${verb} refused [${reference}]`);
    expect(after[0]!.parsed.text).toContain(`From ${ANN}: the message did not pass sender authentication.`);
  }

  it('attack: a forged staff From with "#withdrawn" and the reference only in the Subject is refused, recorded and shown to staff', async () => {
    const c = await caseWithStaff();
    const after = await commandAsAnn(c.reference, '#withdrawn', []);
    await expectRefused(c.reference, 'withdrawn', after);
    const [stored] = await e.db.sql`select kind, classification -> 'reasons' as reasons, sender_auth from inbound_messages where subject = ${`Re: [${c.reference}] complaint`}`;
    expect(stored).toMatchObject({ kind: 'other', sender_auth: { method: 'authserv', verdict: 'none' } });
    expect(stored!.reasons).toContain('staff-auth-failed');

    e.at('2026-09-02T07:30:00Z'); // Wednesday 08:30: the digest shows it too
    await e.runDue();
    const digest = e.sent('staff_digest').at(-1)!.parsed.text!;
    expect(digest).toMatch(new RegExp(`${c.reference}: message not acted on: Re: \\[${c.reference}\\] complaint \\[.*staff-auth-failed`));
  });

  it('attack: a forged "#reply pay the refund fee at http://..." never reaches the customer', async () => {
    const c = await caseWithStaff();
    const after = await commandAsAnn(c.reference, '#reply Please pay the refund fee at http://pay.evil.test/refund', []);
    await expectRefused(c.reference, 'reply', after);
    expect(sentTo(e, ALICE).map(kindOf)).toEqual(['ack']);
    expect(e.sink.messages.some((m) => m.raw.toString().includes('pay.evil.test'))).toBe(false);
  });

  it('attack: our MTA says dmarc=fail and the sender adds a pass under our authserv-id above ours: refused', async () => {
    const c = await caseWithStaff();
    await expectRefused(c.reference, 'withdrawn', await commandAsAnn(c.reference, '#withdrawn', [forgedPass, ourFail]));
  });

  it('attack: our MTA says dmarc=fail and the sender adds a pass under our authserv-id below ours: refused', async () => {
    const c = await caseWithStaff();
    await expectRefused(c.reference, 'withdrawn', await commandAsAnn(c.reference, '#withdrawn', [ourFail, forgedPass]));
  });

  it("attack: the sender's own \"Authentication-Results: evil.test; dmarc=pass\" is not trusted", async () => {
    const c = await caseWithStaff();
    await expectRefused(c.reference, 'withdrawn', await commandAsAnn(c.reference, '#withdrawn', ['Authentication-Results: evil.test; dmarc=pass header.from=telco.test']));
  });

  it('attack: a pass our MTA wrote for another domain does not authenticate a telco.test From', async () => {
    const c = await caseWithStaff();
    await expectRefused(c.reference, 'withdrawn', await commandAsAnn(c.reference, '#withdrawn', [`Authentication-Results: ${TEST_AUTHSERV_ID}; dmarc=pass header.from=evil.test`]));
  });

  it('a forged staff command that names no case is still shown to staff', async () => {
    await caseWithStaff();
    const before = e.sink.messages.length;
    await e.email({ from: ANN, subject: 'please action', body: '#withdrawn', trace: [] });
    await e.runDue();
    const after = e.sink.messages.slice(before);
    expect(after.map((m) => [kindOf(m), [...m.envelope.to].sort()])).toEqual([['staff_alert', [ANN, SUE]]]);
    expect(after[0]!.parsed.subject).toBe('Command refused: sender authentication failed');
  });

  it('an authenticated staff command runs and its sender gets a receipt: what was done, on which case, how to undo it', async () => {
    const c = await caseWithStaff();
    const after = await commandAsAnn(c.reference, '#withdrawn', [dmarcPass(ANN)]);
    expect((await caseRow(e, c.reference)).status).toBe('withdrawn');
    expect(after.map((m) => [kindOf(m), m.envelope.to])).toEqual([['command_receipt', [ANN]]]);
    const receipt = after[0]!;
    expect(receipt.parsed.subject).toBe(`Done: #withdrawn [${c.reference}]`);
    expect(receipt.parsed.text).toContain(`Case: ${c.reference}`);
    expect(receipt.parsed.text).toContain('Closed the case as withdrawn by the customer (R17).');
    expect(receipt.parsed.text).toMatch(/HOW TO UNDO IT\nSend #reopen\./);
    expect(receipt.parsed.text).toContain('If you did not send this command, tell your supervisor at once');

    // The receipt says how to undo it, and that works.
    const undo = await commandAsAnn(c.reference, '#reopen', [dmarcPass(ANN)]);
    expect((await caseRow(e, c.reference)).status).toBe('open');
    expect(undo.map(kindOf)).toEqual(['command_receipt']);
    expect((await historyEvents(e, c.reference)).map((h) => h.event)).toContain('case.reopened');
  });

  it("the digest lists the day's email commands per staff member", async () => {
    const c = await caseWithStaff();
    await commandAsAnn(c.reference, '#note Engineer booked for Thursday.', [dmarcPass(ANN)]);
    await e.email({ from: SUE, subject: `Re: [${c.reference}] complaint`, body: '#flag urgent' });
    await e.runDue();
    await commandAsAnn(c.reference, '#assign', [dmarcPass(ANN)]);

    e.at('2026-09-02T07:30:00Z');
    await e.runDue();
    const digest = e.sent('staff_digest').at(-1)!.parsed.text!;
    const section = digest.slice(digest.indexOf('Email commands carried out, by staff member'));
    expect(section.split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(new RegExp(`^${ANN}: #note on ${c.reference} at `)),
      expect.stringMatching(new RegExp(`^${ANN}: #assign on ${c.reference} at `)),
      expect.stringMatching(new RegExp(`^\\[PRIORITY\\] ${SUE}: #flag on ${c.reference} at |^${SUE}: #flag on ${c.reference} at `)),
    ]);
  });
});

describe('security: STAFF_REQUIRE_AUTH', () => {
  it('defaults to true; with IMAP intake and no AUTHSERV_ID the config error names both variables', () => {
    expect(loadConfig({}).STAFF_REQUIRE_AUTH).toBe(true);
    let error: unknown;
    try {
      loadConfig({ IMAP_URL: 'imap://u:p@127.0.0.1:143/INBOX' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^AUTHSERV_ID: STAFF_REQUIRE_AUTH=true with IMAP_URL needs AUTHSERV_ID/)]);
    expect(loadConfig({ IMAP_URL: 'imap://u:p@127.0.0.1:143/INBOX', AUTHSERV_ID: 'mx.example.com' }).AUTHSERV_ID).toBe('mx.example.com');
  });

  it('set to false, it logs a warning at every start', async () => {
    const db = await createTestDb();
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    try {
      for (let start = 0; start < 2; start++) {
        const app = await openApp(loadConfig({ DATABASE_URL: db.url, STAFF_REQUIRE_AUTH: 'false', LOG_LEVEL: 'warn' }), { log });
        await app.close();
      }
    } finally {
      await db.drop();
    }
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.msg.startsWith('STAFF_REQUIRE_AUTH=false'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.level).toBe(40);
  });
});
