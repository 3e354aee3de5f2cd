import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedressError } from '../../src/errors.ts';
import { eraseCustomer } from '../../src/retention/erase.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { testConfig } from '../helpers/test-config.ts';
import { act, complain, receive, resolveAndConfirm, retentionDeps, settle, type Opened } from './cases.ts';

const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));
const execFileAsync = promisify(execFile);
const T0 = '2026-11-02T10:00:00.000Z';
const FRANK = 'Frank Miller <frank@example.com>';

describe('redress customers erase EMAIL: erasure on request', () => {
  let db: TestDb;
  let app: TestApp;
  let frankWithdrawn: Opened;
  let frankResolved: Opened;
  let eveOpen: Opened;
  let eveWithdrawn: Opened;
  let grace: Opened;
  let henry: Opened;

  const redress = async (...args: string[]) => {
    const env = { PATH: testConfig.path, DATABASE_URL: db.url, REDRESS_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', REDRESS_NOW: app.clock.now().toISOString() };
    try {
      const { stdout, stderr } = await execFileAsync('node', [BIN, ...args], { env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const erasures = async () => (await db.sql<[{ n: number }]>`select count(*)::int as n from erasures`)[0].n;

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db, {}, T0);
    await addStaff(db.sql, 'ann@telco.test', 'rep');
    frankWithdrawn = await complain(app, FRANK, 'Roaming charges', 'I was charged for roaming in Spain although I never left the country this summer.', { filename: 'frank-statement.pdf', content: '%PDF-1.4 Frank Miller statement' });
    frankResolved = await complain(app, FRANK, 'Missed engineer visit', 'The engineer did not turn up on Friday and I took a day off work to wait for him.');
    eveOpen = await complain(app, 'Eve Adams <eve@example.com>', 'Contract ended early', 'You ended my contract early without notice and charged me an exit fee I did not owe.');
    eveWithdrawn = await complain(app, 'Eve Adams <eve@example.com>', 'Wrong name on bill', 'My bill shows the wrong surname and I need it corrected before I can claim expenses.');
    grace = await complain(app, 'Grace Hall <grace@example.com>', 'Refund not received', 'The refund I was promised in September has still not reached my account today.');
    henry = await complain(app, 'Henry Ford <henry@example.com>', 'Bill too high', 'My bill doubled this month without any change to my plan or my usage at all.');
    await receive(app, { from: FRANK, subject: 'Automatic reply', body: 'I am on holiday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    await settle(app); // the acknowledgements, and a digest listing every new case
    await act(app, frankWithdrawn.reference, 'withdrawn');
    await resolveAndConfirm(app, frankResolved, FRANK, 'The engineer visit is rebooked and we credited a day of line rental to Frank Miller.');
    await act(app, eveWithdrawn.reference, 'withdrawn');
    await act(app, henry.reference, 'withdrawn');
    await act(app, grace.reference, 'resolve', 'The refund was sent again today.');
    await settle(app);
    const [outcome] = await db.sql<{ message_id: string }[]>`select message_id from outbound_messages where case_id = ${grace.id} and kind = 'outcome'`;
    await receive(app, { from: 'grace@example.com', subject: 'Re: outcome', body: 'Yes, resolved, thank you.', inReplyTo: outcome!.message_id.replace(/^<|>$/g, '') });
    // Grace's case is closed; its closure notice is queued, not yet sent.
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('is refused, with the reason and exit code 4, while a case of theirs is open; nothing changes', async () => {
    const { code, stdout, stderr } = await redress('customers', 'erase', 'eve@example.com');
    expect({ code, stdout, stderr }).toEqual({
      code: 4,
      stdout: '',
      stderr: `redress: not erased: eve@example.com has an open case (${eveOpen.reference}); erase once it is closed or withdrawn\n`,
    });
    const [eve] = await db.sql`select email, display_name, erased_at from customers where email = 'eve@example.com'`;
    expect(eve).toEqual({ email: 'eve@example.com', display_name: 'Eve Adams', erased_at: null });
    const [closed] = await db.sql`select subject, redacted_at from cases where id = ${eveWithdrawn.id}`;
    expect(closed).toEqual({ subject: 'Wrong name on bill', redacted_at: null });
    expect(await erasures()).toBe(0);
  });

  it('is refused while a message on their closed case still waits to be sent, and goes ahead once it is sent', async () => {
    const refused = await eraseCustomer(retentionDeps(app), 'grace@example.com').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(RedressError);
    expect(refused).toMatchObject({
      code: 'refused',
      message: `not erased: a message on ${grace.reference} is still waiting to be sent; erase once it has been sent or has failed (redress outbox)`,
    });
    expect(await erasures()).toBe(0);
    await settle(app);
    expect(await eraseCustomer(retentionDeps(app), 'Grace@Example.com')).toMatchObject({
      email: 'grace@example.com',
      erased: true,
      cases: [grace.reference],
      customers: 1,
      inbound_messages: 2,
      // The acknowledgement, the outcome and the closure notice; and the raw copy of the digest that listed her case.
      outbound_messages: 4,
    });
    const [digest] = await db.sql`select raw from outbound_messages where kind = 'staff_digest'`;
    expect(digest).toEqual({ raw: null });
  });

  it("redacts the person's closed cases as a purge would, at once, and empties their customer record", async () => {
    const before = await erasures();
    const report = await eraseCustomer(retentionDeps(app), 'frank@example.com');
    const [record] = await db.sql<{ id: bigint }[]>`select id from erasures order by id desc limit 1`;
    expect(await erasures()).toBe(before + 1);
    expect(report).toEqual({
      email: 'frank@example.com',
      erased: true,
      reason: null,
      cases: [frankWithdrawn.reference, frankResolved.reference],
      customers: 1,
      erasure: Number(record!.id),
      // Two complaints, the confirmation, and the case-less automatic reply.
      inbound_messages: 4,
      attachments: 1,
      // Two acknowledgements, the outcome and the closure notice (Grace's erasure already took the digest).
      // A missed engineer visit is not a technical fault, so no R6 alert went to staff.
      outbound_messages: 4,
      history_entries: 9,
    });
    const [customer] = await db.sql`select email, display_name, postal_address, erased_at from customers where id = (select customer_id from cases where id = ${frankResolved.id})`;
    expect(customer).toEqual({ email: null, display_name: null, postal_address: null, erased_at: app.clock.now() });
    const cases = await db.sql`select status, subject, outcome, redacted_at from cases where id in (${frankWithdrawn.id}, ${frankResolved.id}) order by id`;
    expect(cases).toEqual([
      { status: 'withdrawn', subject: '[redacted]', outcome: null, redacted_at: app.clock.now() },
      { status: 'closed', subject: '[redacted]', outcome: '[redacted]', redacted_at: app.clock.now() },
    ]);
    const marks = await db.sql`select case_id, actor, data from case_history where event = 'case.redacted' and case_id in (${frankWithdrawn.id}, ${frankResolved.id}) order by id`;
    expect(marks).toEqual([frankWithdrawn, frankResolved].map((c) => ({ case_id: c.id, actor: 'system', data: { reason: 'erasure requested', erasure: Number(record!.id) } })));
  });

  it('leaves no trace of the person anywhere, the erasure record included, and leaves everyone else alone', async () => {
    const [mentions] = await db.sql`
      select count(*)::int as n from (
        select row_to_json(t)::text as r from cases t
        union all select row_to_json(t)::text from customers t
        union all select row_to_json(t)::text from inbound_messages t
        union all select encode(raw, 'escape') from inbound_messages where raw is not null
        union all select row_to_json(t)::text from attachments t
        union all select row_to_json(t)::text from outbound_messages t
        union all select encode(raw, 'escape') from outbound_messages where raw is not null
        union all select row_to_json(t)::text from case_history t
        union all select row_to_json(t)::text from erasures t
      ) x where r ~* 'frank|miller|roaming|engineer visit'`;
    expect(mentions).toEqual({ n: 0 });
    const [record] = await db.sql`select kind, closed_before, cases, customers from erasures order by id desc limit 1`;
    expect(record).toEqual({ kind: 'request', closed_before: null, cases: 2, customers: 1 });
    const others = await db.sql`select c.reference, c.subject, c.redacted_at, cu.email from cases c join customers cu on cu.id = c.customer_id where c.id in (${eveOpen.id}, ${henry.id}) order by c.id`;
    expect(others).toEqual([
      { reference: eveOpen.reference, subject: 'Contract ended early', redacted_at: null, email: 'eve@example.com' },
      { reference: henry.reference, subject: 'Bill too high', redacted_at: null, email: 'henry@example.com' },
    ]);
  });

  it('a second erasure changes nothing and says so', async () => {
    const before = await erasures();
    const text = await redress('customers', 'erase', 'frank@example.com');
    expect(text).toEqual({ code: 0, stdout: 'nothing to erase for frank@example.com: no personal data is held for this address (never known, or erased already)\n', stderr: '' });
    const json = await redress('customers', 'erase', 'frank@example.com', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      email: 'frank@example.com',
      erased: false,
      reason: 'no personal data is held for this address (never known, or erased already)',
      cases: [],
      customers: 0,
      erasure: null,
      inbound_messages: 0,
      attachments: 0,
      outbound_messages: 0,
      history_entries: 0,
    });
    expect(await erasures()).toBe(before);
  });
});
