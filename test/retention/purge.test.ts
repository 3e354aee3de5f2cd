import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectCounts } from '../../src/monitoring/counts.ts';
import { purgeExpired, type PurgeReport } from '../../src/retention/purge.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { testConfig } from '../helpers/test-config.ts';
import { act, complain, DAY, receive, resolveAndConfirm, retentionDeps, settle, type Opened } from './cases.ts';

const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));
const run = promisify(execFile);

const ALICE = 'Alice Smith <alice@example.com>';
const T0 = '2026-11-02T10:00:00.000Z';
/** 1,100 days on, the default 1,095-day period ended for cases closed before 7 November 2026. */
const PURGE_AT = new Date(Date.parse(T0) + 1100 * DAY);

describe('redress purge: retention after closure (RETENTION_DAYS_AFTER_CLOSE)', () => {
  let db: TestDb;
  let app: TestApp;
  let alice: Opened;
  let bob: Opened;
  let carol: Opened;
  let dan: Opened;
  let before: { counts: unknown; deadlines: unknown[]; history: { case_id: bigint; at: Date; event: string }[] };

  const snapshot = async () => ({
    counts: await collectCounts(db.sql, PURGE_AT),
    deadlines: await db.sql`select * from deadlines order by id`,
    history: await db.sql<{ case_id: bigint; at: Date; event: string }[]>`select case_id, at, event from case_history order by id`,
  });

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db, {}, T0);
    await addStaff(db.sql, 'ann@telco.test', 'rep');
    alice = await complain(app, ALICE, 'Overcharged on my August bill', 'I was charged twice for my August bill and nobody has refunded the second payment yet.', {
      filename: 'alice-smith-bill.pdf',
      content: '%PDF-1.4 Alice Smith account 1234',
    });
    bob = await complain(app, 'Bob Jones <bob@example.com>', 'Line dead since Tuesday', 'My phone line has been dead since Tuesday and the engineer never came to fix it.');
    carol = await complain(app, 'Carol White <carol@example.com>', 'Wrong tariff', 'I was moved to a more expensive tariff without being asked, please move me back.');
    dan = await complain(app, 'Dan Brown <dan@example.com>', 'Slow broadband', 'My broadband has been far slower than the speed I was promised for three months.');
    await receive(app, { from: ALICE, subject: 'Out of office', body: 'I am away until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    await settle(app); // the acknowledgements, and the day's digest to ann
    await act(app, alice.reference, 'note', 'Rang Alice Smith on 07700 900123 about the refund');
    await resolveAndConfirm(app, alice, ALICE, 'We refunded the second payment of 20 pounds to Alice Smith.');
    await act(app, bob.reference, 'withdrawn');
    app.clock.set(new Date(Date.parse(T0) + 800 * DAY));
    await act(app, dan.reference, 'withdrawn'); // closed well within the period
    app.clock.set(PURGE_AT);
    before = await snapshot();
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const expected: Omit<PurgeReport, 'dry_run' | 'erasures'> = {
    closed_before: '2026-11-07T10:00:00.000Z',
    cases: [],
    customers: 2,
    // Alice's complaint and confirmation, Bob's complaint, and Alice's case-less out-of-office.
    inbound_messages: 4,
    attachments: 1,
    // Alice's acknowledgement, outcome and closure notice; Bob's acknowledgement and the R6 alert to staff; the digest's raw copy.
    outbound_messages: 6,
    // Entries naming a customer or an address, or holding free text: 8 on Alice's case (opened, note, outcome,
    // confirmation, closed by her, three messages queued), 4 on Bob's (opened, R6 by him, two messages queued).
    history_entries: 12,
  };

  it('a dry run reports exactly what a purge would do, and changes nothing', async () => {
    const report = await purgeExpired(retentionDeps(app), { dryRun: true });
    expect(report).toEqual({ ...expected, cases: [alice.reference, bob.reference], dry_run: true, erasures: [] });
    const [row] = await db.sql`select count(*)::int as erasures, (select count(*)::int from inbound_messages where raw is null) as emptied from erasures`;
    expect(row).toEqual({ erasures: 0, emptied: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('removes the raw mail, bodies and attachments of cases closed longer ago, and blanks the personal data in their messages', async () => {
    const report = await purgeExpired(retentionDeps(app), { dryRun: false });
    const [erasure] = await db.sql<{ id: bigint }[]>`select id from erasures`;
    expect(report).toEqual({ ...expected, cases: [alice.reference, bob.reference], dry_run: false, erasures: [Number(erasure!.id)] });
    const inbound = await db.sql`
      select kind, raw, body_text, full_text, html_sanitized, from_address, from_name, envelope_from, to_addresses, cc_addresses, subject, source_ref,
             classification -> 'reasons' as reasons, size_bytes > 0 as sized, message_id is not null as has_message_id, received_at, redacted_at
      from inbound_messages where case_id = ${alice.id} order by id`;
    const blank = { raw: null, body_text: null, full_text: null, html_sanitized: null, from_address: '[redacted]', from_name: '[redacted]', envelope_from: null, to_addresses: ['[redacted]'], cc_addresses: [], subject: '[redacted]', source_ref: '[redacted]', sized: true, has_message_id: true, received_at: new Date(T0), redacted_at: PURGE_AT };
    expect(inbound).toEqual([
      { kind: 'complaint', reasons: ['[redacted]'], ...blank },
      { kind: 'confirmation', reasons: ['[redacted]', '[redacted]'], ...blank },
    ]);
    const attachments = await db.sql`select a.content, a.filename, a.content_type, a.size_bytes from attachments a join inbound_messages i on i.id = a.inbound_message_id where i.case_id = ${alice.id}`;
    expect(attachments).toEqual([{ content: null, filename: '[redacted]', content_type: 'application/pdf', size_bytes: 33 }]);
    const outbound = await db.sql`select kind, status, raw, to_addresses, subject, sent_at from outbound_messages where case_id = ${alice.id} order by id`;
    expect(outbound).toEqual(['ack', 'outcome', 'closure_confirmed'].map((kind) => ({ kind, status: 'sent', raw: null, to_addresses: ['[redacted]'], subject: '[redacted]', sent_at: new Date(T0) })));
    const [digest] = await db.sql`select kind, raw, to_addresses from outbound_messages where case_id is null`;
    expect(digest).toEqual({ kind: 'staff_digest', raw: null, to_addresses: ['ann@telco.test'] });
    const [autoReply] = await db.sql`select kind, raw, from_address, subject from inbound_messages where case_id is null`;
    expect(autoReply).toEqual({ kind: 'auto_reply', raw: null, from_address: '[redacted]', subject: '[redacted]' });
  });

  it('keeps the case, its deadlines and its dated history, so the figures still add up', async () => {
    const [kase] = await db.sql`select status, closure_reason, subject, outcome, latest_note, received_at, closed_at, acknowledged_at, outcome_sent_at, redacted_at from cases where id = ${alice.id}`;
    expect(kase).toEqual({
      status: 'closed',
      closure_reason: 'confirmed',
      subject: '[redacted]',
      outcome: '[redacted]',
      latest_note: '[redacted]',
      received_at: new Date(T0),
      closed_at: new Date(T0),
      acknowledged_at: new Date(T0),
      outcome_sent_at: new Date(T0),
      redacted_at: PURGE_AT,
    });
    const after = await snapshot();
    expect(after.counts).toEqual(before.counts);
    expect(after.deadlines).toEqual(before.deadlines);
    // Every entry is still there with its date and event; each purged case gains one entry saying so.
    expect(after.history.slice(0, before.history.length)).toEqual(before.history);
    expect(after.history.slice(before.history.length)).toEqual([
      { case_id: alice.id, at: PURGE_AT, event: 'case.redacted' },
      { case_id: bob.id, at: PURGE_AT, event: 'case.redacted' },
    ]);
  });

  it('replaces the personal data in the history by placeholders and keeps rules, kinds and dates', async () => {
    const history = await db.sql<{ actor: string; event: string; data: Record<string, unknown> }[]>`
      select actor, event, data from case_history where case_id = ${alice.id} and event in ('case.opened', 'message.queued', 'note.added', 'outcome.recorded', 'message.confirmation', 'deadline.set', 'case.redacted') order by id`;
    const [erasure] = await db.sql<{ id: bigint }[]>`select id from erasures`;
    expect(history.find((h) => h.event === 'case.opened')).toEqual({
      actor: 'customer:[redacted]',
      event: 'case.opened',
      data: { reference: alice.reference, flags: [], priority: false, evidence: [], thirdParty: null, earlierComplaints: 0 },
    });
    expect(history.find((h) => h.event === 'message.queued')).toEqual({ actor: 'system', event: 'message.queued', data: { kind: 'ack', to: ['[redacted]'] } });
    expect(history.find((h) => h.event === 'note.added')).toEqual({ actor: 'staff:operator (cli)', event: 'note.added', data: { rule: 'R3', text: '[redacted]' } });
    expect(history.find((h) => h.event === 'outcome.recorded')).toEqual({ actor: 'staff:operator (cli)', event: 'outcome.recorded', data: { rule: 'R10', text: '[redacted]' } });
    expect(history.find((h) => h.event === 'message.confirmation')).toEqual({ actor: 'sender:[redacted]', event: 'message.confirmation', data: { reasons: ['[redacted]', '[redacted]'], subject: '[redacted]', flagsRaised: [] } });
    expect(history.find((h) => h.event === 'deadline.set')).toEqual({ actor: 'system', event: 'deadline.set', data: { kind: 'ack', rule: 'R1', due_at: '2026-11-03T10:00:00.000Z' } });
    expect(history.at(-1)).toEqual({ actor: 'system', event: 'case.redacted', data: { reason: 'retention period ended', erasure: Number(erasure!.id) } });
  });

  it('leaves no trace of the purged customers in any row of their cases, their customer records or case-less mail', async () => {
    const [mentions] = await db.sql`
      select count(*)::int as n from (
        select row_to_json(t)::text as r from cases t where id in (${alice.id}, ${bob.id})
        union all select row_to_json(t)::text from customers t where id in (select customer_id from cases where id in (${alice.id}, ${bob.id}))
        union all select row_to_json(t)::text from inbound_messages t where case_id in (${alice.id}, ${bob.id}) or case_id is null
        union all select row_to_json(t)::text from attachments t
        union all select row_to_json(t)::text from outbound_messages t
        union all select row_to_json(t)::text from case_history t where case_id in (${alice.id}, ${bob.id})
        union all select row_to_json(t)::text from erasures t
      ) x where r ~* 'alice|smith|bob|jones|07700|overcharged|line dead|refunded'`;
    expect(mentions).toEqual({ n: 0 });
    const people = await db.sql`select email, display_name, postal_address, erased_at from customers order by id`;
    expect(people).toEqual([
      { email: null, display_name: null, postal_address: null, erased_at: PURGE_AT },
      { email: null, display_name: null, postal_address: null, erased_at: PURGE_AT },
      { email: 'carol@example.com', display_name: 'Carol White', postal_address: null, erased_at: null },
      { email: 'dan@example.com', display_name: 'Dan Brown', postal_address: null, erased_at: null },
    ]);
  });

  it('leaves open cases and cases closed within the period as they were', async () => {
    const rows = await db.sql`
      select c.reference, c.subject, c.redacted_at, i.raw is not null as has_raw, i.body_text is not null as has_body, i.from_address
      from cases c join inbound_messages i on i.case_id = c.id where c.id in (${carol.id}, ${dan.id}) order by c.id`;
    expect(rows).toEqual([
      { reference: carol.reference, subject: 'Wrong tariff', redacted_at: null, has_raw: true, has_body: true, from_address: 'carol@example.com' },
      { reference: dan.reference, subject: 'Slow broadband', redacted_at: null, has_raw: true, has_body: true, from_address: 'dan@example.com' },
    ]);
  });

  it('records the purge without personal data: the cut-off, the counts and the case ids', async () => {
    const rows = await db.sql`select kind, at, closed_before, cases, customers, inbound_messages, attachments, outbound_messages, history_entries, case_ids from erasures`;
    expect(rows).toEqual([
      { kind: 'retention', at: PURGE_AT, closed_before: new Date('2026-11-07T10:00:00Z'), cases: 2, customers: 2, inbound_messages: 4, attachments: 1, outbound_messages: 6, history_entries: 12, case_ids: [alice.id, bob.id] },
    ]);
  });

  it('a second purge changes nothing and says so (redress purge, text and --json)', async () => {
    const env = { PATH: testConfig.path, DATABASE_URL: db.url, REDRESS_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', REDRESS_NOW: PURGE_AT.toISOString() };
    const text = await run('node', [BIN, 'purge'], { env });
    expect(text.stdout).toBe('nothing to purge: no case closed before 2026-11-07T10:00:00.000Z and no older mail still holds personal data\n');
    const json = await run('node', [BIN, 'purge', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual({ dry_run: false, closed_before: '2026-11-07T10:00:00.000Z', cases: [], customers: 0, erasures: [], inbound_messages: 0, attachments: 0, outbound_messages: 0, history_entries: 0 });
    const [row] = await db.sql`select count(*)::int as n from erasures`;
    expect(row).toEqual({ n: 1 });
  });

  it('mail that reaches a purged case later is purged by the next run', async () => {
    app.clock.set(new Date(PURGE_AT.getTime() + DAY));
    const [closure] = await db.sql<{ message_id: string }[]>`select message_id from outbound_messages where case_id = ${alice.id} and kind = 'closure_confirmed'`;
    await receive(app, { from: ALICE, subject: 'Re: closed', body: 'One more thing: please send me a letter as well.', inReplyTo: closure!.message_id.replace(/^<|>$/g, '') });
    const report = await purgeExpired(retentionDeps(app), { dryRun: false });
    expect(report).toMatchObject({ cases: [alice.reference], customers: 0, inbound_messages: 1, attachments: 0, outbound_messages: 0, history_entries: 1 });
    const [late] = await db.sql`select case_id, raw, from_address, subject from inbound_messages order by id desc limit 1`;
    expect(late).toEqual({ case_id: alice.id, raw: null, from_address: '[redacted]', subject: '[redacted]' });
  });
});
