import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { runCaseAction } from '../../src/cli/case-actions.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { header, messageIdOf, rawMail } from '../helpers/e2e.ts';
import { caseRow, historyEvents, kindOf } from '../helpers/e2e-cases.ts';
import { startSmtpE2E, type SmtpE2E } from '../helpers/smtp-intake.ts';

/**
 * Issue "Only the right people can act by email", SMTP intake with Redress as the
 * receiving server (AUTHSERV_ID unset): SPF, DKIM and DMARC are verified by Redress
 * against DNS (a zone the test controls); no header a sender writes counts as evidence.
 * Mail arrives from 127.0.0.1, which no published SPF record allows.
 */
describe('security: SMTP intake verifies senders itself', () => {
  let s: SmtpE2E;
  afterEach(async () => {
    await s?.close();
  });

  const ANN = 'ann@telco.test';
  const ALICE = 'alice@example.com';
  const COMPLAINT = 'I was charged twice for my August bill and nobody has refunded the second payment. Please refund it.';

  async function start(listener = {}) {
    s = await startSmtpE2E({}, listener);
    s.dns.domain('telco.test', { spfIps: ['192.0.2.10'], dkim: true });
    s.dns.domain('example.com', { spfIps: ['192.0.2.20'], dkim: true });
    s.dns.domain('evil.test', { spfIps: ['127.0.0.1'], dmarc: false });
    await addStaff(s.db.sql, ANN, 'rep');
  }

  /** Alice's genuine complaint: DKIM-signed by example.com, so DMARC passes. */
  async function aliceComplains() {
    const id = await s.mail({ from: `Alice <${ALICE}>`, subject: 'Charged twice', body: COMPLAINT }, ALICE, 'example.com');
    await s.runDue();
    const [row] = await s.db.sql<{ reference: string; sender_auth: Record<string, unknown> }[]>`
      select c.reference, i.sender_auth from inbound_messages i join cases c on c.id = i.case_id where i.message_id = ${id}`;
    expect(row!.sender_auth).toMatchObject({ method: 'receiver', verdict: 'pass', dmarc: 'pass' });
    return row!.reference;
  }

  it('attack: with AUTHSERV_ID unset, the sender\'s own "Authentication-Results: evil.test; dmarc=pass" does not authenticate a forged staff command', async () => {
    await start();
    const reference = await aliceComplains();
    const before = s.sink.messages.length;
    const id = await s.mail({ from: ANN, subject: `Re: [${reference}]`, body: '#withdrawn', trace: ['Authentication-Results: evil.test; dmarc=pass header.from=telco.test'] });
    await s.runDue();

    expect((await caseRow(s, reference)).status).toBe('new');
    const [stored] = await s.db.sql`select kind, sender_auth from inbound_messages where message_id = ${id}`;
    expect(stored).toMatchObject({ kind: 'other', sender_auth: { method: 'receiver', verdict: 'fail', dmarc: 'fail', spf: 'fail' } });
    expect((await historyEvents(s, reference)).filter((h) => h.event === 'command.refused').map((h) => h.data)).toEqual([
      { verb: 'withdrawn', from: ANN, reason: 'the message did not pass sender authentication' },
    ]);
    const after = s.sink.messages.slice(before);
    expect(after.map((m) => [kindOf(m), m.envelope.to])).toEqual([['staff_alert', [ANN]]]);
    expect(after[0]!.parsed.subject).toBe(`Command #withdrawn refused [${reference}]`);
  });

  it('a staff command signed by the staff domain passes DMARC and runs, with a receipt', async () => {
    await start();
    const reference = await aliceComplains();
    await s.mail({ from: ANN, subject: `Re: [${reference}]`, body: '#withdrawn' }, ANN, 'telco.test');
    await s.runDue();
    expect((await caseRow(s, reference)).status).toBe('withdrawn');
    expect(s.sent('command_receipt').map((m) => m.envelope.to)).toEqual([[ANN]]);
  });

  it('attack: MAIL FROM the attacker, the message\'s own Return-Path naming a victim, a spam subject: the acknowledgement goes to the attacker and quotes nothing', async () => {
    await start();
    const VICTIM = 'victim@example.net';
    const ATTACKER = 'attacker@evil.test';
    const spam = 'CHEAP PILLS at http://pills.evil.test';
    const id = `${randomBytes(6).toString('hex')}@evil.test`;
    const raw = rawMail({ from: `Cheap Pills <${VICTIM}>`, subject: spam, body: `Buy now at http://pills.evil.test, best prices for everybody today.`, trace: [`Return-Path: <${VICTIM}>`] }, id, s.app.clock.now());
    await s.send(raw, ATTACKER);
    await s.runDue();

    const [stored] = await s.db.sql<{ raw: Buffer }[]>`select raw from inbound_messages where message_id = ${id}`;
    const head = stored!.raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(head.match(/^return-path:.*$/gim)).toEqual([`Return-Path: <${ATTACKER}>`]);
    expect(s.sink.messages.filter((m) => m.envelope.to.includes(VICTIM))).toHaveLength(0);
    const acks = s.sent('ack');
    expect(acks.map((m) => m.envelope.to)).toEqual([[ATTACKER]]);
    expect(acks[0]!.raw.toString()).not.toMatch(/pills|Cheap/i);
  });

  it('attack: a forged customer From with our Message-ID and "Yes, resolved" does not close the case', async () => {
    await start();
    const reference = await aliceComplains();
    await runCaseAction(s.app, reference, 'resolve', [], { text: 'We have refunded the second payment of 42.50.' });
    await s.runDue();
    const outcome = s.sent('outcome').at(-1)!;
    const before = s.sink.messages.length;

    const forged = await s.mail({ from: `Alice <${ALICE}>`, subject: `Re: ${outcome.parsed.subject}`, body: 'Yes, resolved, thank you.', inReplyTo: messageIdOf(outcome), references: [messageIdOf(outcome)] });
    await s.runDue();
    expect((await caseRow(s, reference)).status).toBe('awaiting_confirmation');
    const [stored] = await s.db.sql`select kind, sender_auth, classification -> 'reasons' as reasons from inbound_messages where message_id = ${forged}`;
    expect(stored).toMatchObject({ kind: 'other', sender_auth: { verdict: 'fail', dmarc: 'fail' } });
    expect(stored!.reasons).toContain('refused: sender authentication failed (dmarc=fail for example.com)');
    const refused = (await historyEvents(s, reference)).filter((h) => h.event === 'customer_action.refused');
    expect(refused.map((h) => h.data)).toEqual([{ kind: 'confirmation', from: ALICE, reason: 'sender authentication failed (dmarc=fail for example.com)' }]);
    const after = s.sink.messages.slice(before);
    expect(after.map((m) => [kindOf(m), header(m, 'x-redress-case')])).toEqual([['staff_alert', reference]]);
    expect(after[0]!.parsed.subject).toBe(`Customer message not acted on: sender not verified [${reference}]`);

    // Alice's own confirmation, signed by her domain, closes it (R11).
    await s.mail({ from: `Alice <${ALICE}>`, subject: `Re: ${outcome.parsed.subject}`, body: 'Yes, resolved, thank you.', inReplyTo: messageIdOf(outcome) }, ALICE, 'example.com');
    await s.runDue();
    expect(await caseRow(s, reference)).toMatchObject({ status: 'closed', closure_reason: 'confirmed' });
  });
});

describe('security: the inbound SMTP listener', () => {
  let s: SmtpE2E;
  afterEach(async () => {
    await s?.close();
  });

  /** Opens a raw connection and returns the server's first line. */
  function greeting(port: number): Promise<{ line: string; socket: net.Socket }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (d) => resolve({ line: d.toString().split('\r\n')[0]!, socket }));
      socket.once('error', reject);
    });
  }

  it('turns clients away past SMTP_LISTEN_MAX_CLIENTS', async () => {
    s = await startSmtpE2E({}, { maxClients: 2 });
    const open = [await greeting(s.source.port), await greeting(s.source.port)];
    const third = await greeting(s.source.port);
    expect(open.map((o) => o.line.slice(0, 4))).toEqual(['220 ', '220 ']);
    expect(third.line).toMatch(/^421 /);
    for (const o of [...open, third]) o.socket.destroy();
  });

  it('refuses an address over SMTP_LISTEN_CONNECTIONS_PER_MINUTE with 421', async () => {
    s = await startSmtpE2E({}, { connectionsPerMinute: 3 });
    const lines: string[] = [];
    for (let i = 0; i < 4; i++) {
      const g = await greeting(s.source.port);
      lines.push(g.line.slice(0, 4));
      g.socket.destroy();
    }
    expect(lines).toEqual(['220 ', '220 ', '220 ', '421 ']);
    s.app.clock.advance(61_000);
    const later = await greeting(s.source.port);
    expect(later.line.slice(0, 4)).toBe('220 ');
    later.socket.destroy();
  });

  it('with SMTP_LISTEN_USERS, takes mail only from a submitting server that signs in', async () => {
    s = await startSmtpE2E({ SMTP_LISTEN_USERS: 'mx1:s3cret-pass' });
    const raw = rawMail({ from: 'bob@example.org', subject: 'My bill', body: 'I was overcharged on my bill this month by a lot.', trace: [] }, 'auth-1@example.org', s.app.clock.now());
    const via = (auth?: { user: string; pass: string }) =>
      nodemailer
        .createTransport({ host: '127.0.0.1', port: s.source.port, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) })
        .sendMail({ envelope: { from: 'bob@example.org', to: ['complaints@redress.test'] }, raw })
        .then((i) => String(i.response), (err: { responseCode?: number }) => `error ${err.responseCode}`);
    expect(await via()).toBe('error 530');
    expect(await via({ user: 'mx1', pass: 'wrong' })).toBe('error 535');
    expect(await via({ user: 'mx1', pass: 's3cret-pass' })).toMatch(/^250 /);
    expect(await s.db.sql`select kind from inbound_messages where message_id = 'auth-1@example.org'`).toEqual([{ kind: 'complaint' }]);
  });

  it('spools a message past SMTP_SPOOL_THRESHOLD_BYTES to disk as it arrives, stores it whole, and empties the spool', async () => {
    s = await startSmtpE2E({ SMTP_SPOOL_THRESHOLD_BYTES: '65536' });
    const attachment = randomBytes(1_500_000).toString('base64').replace(/.{76}/g, '$&\r\n');
    const body = ['--b1', 'Content-Type: text/plain', '', 'My bill is wrong; the statement is attached as proof of the charges.', '--b1', 'Content-Type: application/pdf', 'Content-Transfer-Encoding: base64', '', attachment, '--b1--', ''].join('\r\n');
    const raw = rawMail({ from: 'bob@example.org', subject: 'Statement attached', body, trace: [], headers: { 'Content-Type': 'multipart/mixed; boundary="b1"' } }, 'big-1@example.org', s.app.clock.now());
    expect(await s.send(raw, 'bob@example.org')).toMatch(/^250 /);
    const [stored] = await s.db.sql<{ raw: Buffer; kind: string }[]>`select raw, kind from inbound_messages where message_id = 'big-1@example.org'`;
    expect(stored!.kind).toBe('complaint');
    expect(stored!.raw.toString('latin1')).toBe(`Return-Path: <bob@example.org>\r\n${raw}`);
    expect(await fs.readdir(path.join(s.app.dataDir, 'spool'))).toEqual([]);
  });
});
