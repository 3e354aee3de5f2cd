import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntakeInput } from '../../src/intake/types.ts';
import { sendDigestIfDue } from '../../src/jobs/digest-job.ts';
import { drainSendQueue, fireDueDeadlines, runDue } from '../../src/jobs/run-due.ts';
import { ACTIONABLE_DEADLINES } from '../../src/policy/deadlines.ts';
import { createTestApp, TEST_AUTHSERV_ID, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { rawMail, type Mail } from '../helpers/e2e.ts';
import { seedCases } from '../helpers/seed-cases.ts';
import { explainable, largeRelations, statementRecorder, wholeScans, type CapturedStatement } from '../helpers/statement-plans.ts';

/** Tens of thousands of cases (5% open, as in a year of steady work): every table the paths read then holds more than LARGE_ROWS. */
const SEEDED_CASES = 30_000;
/**
 * Reading a table or an index of more than this many rows whole fails the test: its cost
 * would grow with the history. Smaller ones (staff, digests, cursors, pg-boss's queues, the
 * pending deadlines' partial indexes) may be scanned.
 */
const LARGE_ROWS = 10_000;
/** A Monday after the digest time (08:30 Europe/London). */
const NOW = '2026-11-02T10:00:00Z';
const STAFF = ['rep@redress.test', 'supervisor@redress.test', 'engineering@redress.test', 'director@redress.test'];

interface SeededCase {
  id: bigint;
  email: string;
}

describe(`statement plans on a database of ${SEEDED_CASES} cases`, () => {
  let db: TestDb;
  let app: TestApp;
  const recorder = statementRecorder();

  beforeAll(async () => {
    db = await createTestDb();
    await seedCases(db.sql, { cases: SEEDED_CASES, openShare: 0.05, now: new Date(NOW), staff: STAFF, seed: 9 });
    app = await createTestApp(db, { AUTHSERV_ID: TEST_AUTHSERV_ID }, NOW, recorder.observe);
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('no statement of the intake, run-due (due deadlines, the digest) or send paths reads a table or index of over 10,000 rows whole', async () => {
    const now = app.clock.now();
    const [open, awaiting, repeat] = await Promise.all([seeded("c.status = 'open'", 6), seeded("c.status = 'awaiting_confirmation'", 1), seeded("c.status = 'closed'", 1)]);
    const due = await makeDue(now, [...open, ...awaiting].map((c) => c.id));

    const batch = await recorder.during('intake', () => app.processBatch(intakeBatch(now, open, awaiting[0]!, repeat[0]!)));
    expect(batch.map((o) => o.kind)).toEqual(['complaint', 'complaint', 'complaint', 'complaint', 'complaint', 'reply', 'confirmation', 'staff', 'bounce', 'auto_reply']);
    expect(batch.filter((o) => o.caseOpened)).toHaveLength(5);
    const again = await recorder.during('intake', () => app.process(input(complaint('one-more@customers.test', 'single'), now)));
    const duplicate = await recorder.during('intake', () => app.process(input(complaint('new-0@customers.test', 'batch-0'), now)));
    expect([again.caseOpened, duplicate.status]).toEqual([true, 'duplicate']);

    expect(await recorder.during('sweep', () => fireDueDeadlines(app.runDue, now))).toBe(due);
    expect(await recorder.during('digest', () => sendDigestIfDue(app.digest, now))).toBe(true);
    const [queued] = await db.sql<[{ n: number }]>`select count(*)::int as n from outbound_messages where status = 'queued'`;
    expect(await recorder.during('send', () => drainSendQueue(app.runDue))).toEqual({ sent: queued.n, failed: 0, retrying: 0 });
    expect(await recorder.during('sweep', () => runDue(app.runDue))).toEqual({ deadlines: 0, digest: false, sent: 0, failed: 0, retrying: 0 });

    const statements = recorder.statements().filter(explainable);
    expectCovered(statements);
    const large = await largeRelations(db.sql, LARGE_ROWS);
    expect([...large.tables].filter((t) => t.startsWith('public.')).sort()).toEqual(['public.case_history', 'public.cases', 'public.customers', 'public.deadlines', 'public.inbound_messages', 'public.outbound_messages']);
    const offenders: string[] = [];
    for (const s of statements) {
      const scans = await wholeScans(db.sql, s, large);
      if (scans.length > 0) offenders.push(`[${[...s.paths].join(', ')}] ${scans.join('; ')}: ${s.text.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    expect(offenders).toEqual([]);
  }, 180_000);

  async function seeded(where: string, n: number): Promise<SeededCase[]> {
    return db.sql.unsafe<SeededCase[]>(`select c.id, cu.email from cases c join customers cu on cu.id = c.customer_id where ${where} and c.representative_id is null order by c.id limit ${n}`);
  }

  /** Three pending deadlines of each kind run-due acts on fall due, each on its own case, none the intake touches. */
  async function makeDue(now: Date, spare: bigint[]): Promise<number> {
    const rows = await db.sql<{ id: bigint }[]>`
      update deadlines set due_at = ${new Date(now.getTime() - 3_600_000)}
      where id in (select id from (select id, row_number() over (partition by kind order by case_id) as n
                                   from (select distinct on (case_id) id, kind, case_id from deadlines
                                         where status = 'pending' and kind = any(${ACTIONABLE_DEADLINES as string[]}) and case_id <> all(${spare.map(String)}::bigint[])
                                         order by case_id, md5(id::text)) one_a_case) d where n <= 3)
      returning id`;
    return rows.length;
  }
});

/** Four new complaints (one for a third party), a repeat complainant, a reply, a confirmation, a staff note, a bounce and an out-of-office. */
function intakeBatch(now: Date, open: SeededCase[], awaiting: SeededCase, repeat: SeededCase): IntakeInput[] {
  const [a, b, c, d] = open as [SeededCase, SeededCase, SeededCase, SeededCase];
  const raws = [
    ...[0, 1, 2].map((i) => complaint(`new-${i}@customers.test`, `batch-${i}`)),
    rawMail({ from: `Tom Brown <tom.brown@customers.test>`, subject: "My mother's phone line", body: 'I am writing on behalf of my mother, Mrs Jean Brown. She has been charged twice for her phone line. Her address is jean.brown@customers.test.' }, 'third-party@customers.test', now),
    rawMail({ from: `Returning <${repeat.email}>`, subject: 'Charged twice again', body: 'I have been charged twice this month for my broadband, again, and nobody answers the phone.' }, 'repeat@customers.test', now),
    rawMail({ from: `Customer <${a.email}>`, subject: 'Re: Your complaint', body: 'The line dropped again last night.', inReplyTo: `seed.ack.${a.id}@redress.test` }, 'reply@customers.test', now),
    rawMail({ from: `Customer <${awaiting.email}>`, subject: 'Re: The outcome of your complaint', body: 'Yes, resolved, thank you. You can close it.', inReplyTo: `seed.outcome.${awaiting.id}@redress.test` }, 'confirm@customers.test', now),
    rawMail({ from: 'Rep <rep@redress.test>', subject: 'Re: Your complaint', body: '#note Engineer booked for Thursday.', inReplyTo: `seed.ack.${b.id}@redress.test` }, 'note@redress.test', now),
    readFileSync(new URL('../fixtures/eml/bounce-dsn.eml', import.meta.url), 'utf8').replace('out-1@redress.test', `seed.ack.${c.id}@redress.test`),
    rawMail({ from: `Customer <${d.email}>`, subject: 'Automatic reply: Your complaint', body: 'I am out of the office until Monday.', inReplyTo: `seed.ack.${d.id}@redress.test`, headers: { 'Auto-Submitted': 'auto-replied' } }, 'ooo@customers.test', now),
  ];
  return raws.map((raw) => input(raw, now));
}

function complaint(from: string, id: string): string {
  const mail: Mail = { from: `Customer <${from}>`, subject: 'Broadband keeps dropping', body: 'My broadband has dropped out every evening since the third of this month and the engineer never came.' };
  return rawMail(mail, `${id}@customers.test`, new Date('2026-11-02T09:00:00Z'));
}

function input(raw: string, receivedAt: Date): IntakeInput {
  return { raw: Buffer.from(raw), receivedAt, source: 'imap', sourceRef: `INBOX;uid=${raw.length}` };
}

/** The statements ISSUE 9 names, and one of each path, were seen: the test checks what it means to. */
function expectCovered(statements: CapturedStatement[]): void {
  const seen = (path: string, fragment: RegExp) => statements.some((s) => s.paths.has(path) && fragment.test(s.text));
  expect({
    repeatComplainant: seen('intake', /representative_id = any/),
    dailyCap: seen('intake', /to_addresses @> array\[a.address\]/),
    alertCap: seen('intake', /about_sender = any/),
    dueDeadlines: seen('sweep', /due_at <=/),
    digestSections: seen('digest', /from deadlines d\b/),
    loadForSend: seen('send', /from outbound_messages where id =/),
  }).toEqual({ repeatComplainant: true, dailyCap: true, alertCap: true, dueDeadlines: true, digestSections: true, loadForSend: true });
}
