import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { intakeMessage } from '../../src/intake/intake.ts';
import { rawMail } from '../helpers/e2e.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

describe('intake use case (real Postgres)', () => {
  let db: TestDb;
  let app: TestApp;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db, { MAX_MESSAGE_BYTES: '200000' });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });
  beforeEach(() => {
    n += 1;
  });

  const receive = (raw: string | Buffer, source: 'file' | 'smtp' = 'file') =>
    app.process({ raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw), receivedAt: app.clock.now(), source, sourceRef: `test-${n}` });

  const complaint = (from = `customer${n}@example.com`, body = 'My broadband has been down for six days and nobody has come to repair the line despite three calls.') =>
    rawMail({ from, subject: `Broadband down ${n}`, body }, `c${n}-${Date.parse('2026-01-01')}@example.com`, app.clock.now());

  it('R1: a new complaint opens a case with a human reference and an unguessable token, and queues the acknowledgement', async () => {
    const out = await receive(complaint());
    expect(out).toMatchObject({ status: 'stored', kind: 'complaint', caseOpened: true });
    expect(out.caseReference).toMatch(/^CMP-2026-\d{6}$/);
    const [kase] = await db.sql`select token, status, received_at from cases where reference = ${out.caseReference!}`;
    expect(kase!.token).toMatch(/^[a-z2-7]{16}$/);
    expect(kase!.received_at.toISOString()).toBe(app.clock.now().toISOString());
    const acks = await db.sql`select o.kind, o.to_addresses, o.status from outbound_messages o join cases c on c.id = o.case_id where c.reference = ${out.caseReference!}`;
    expect(acks).toEqual([{ kind: 'ack', to_addresses: [`customer${n}@example.com`], status: 'queued' }]);
    const history = await db.sql`select event from case_history h join cases c on c.id = h.case_id where c.reference = ${out.caseReference!} order by h.id`;
    expect(history.map((h) => h.event)).toEqual(expect.arrayContaining(['case.opened', 'message.queued', 'deadline.set']));
  });

  it('a duplicate delivery of the same message is stored once', async () => {
    const raw = complaint();
    const first = await receive(raw);
    const second = await receive(raw);
    expect(second).toMatchObject({ status: 'duplicate', inboundId: first.inboundId });
    const [row] = await db.sql`select count(*)::int as n from inbound_messages where identity = (select identity from inbound_messages where id = ${first.inboundId})`;
    expect(row!.n).toBe(1);
    const [cases] = await db.sql`select count(*)::int as n from cases where reference = ${first.caseReference!}`;
    expect(cases!.n).toBe(1);
  });

  it('a message without a Message-ID is identified by the hash of its bytes', async () => {
    const raw = complaint().replace(/^Message-ID:.*\r\n/m, '');
    const first = await receive(raw);
    expect((await receive(raw)).status).toBe('duplicate');
    const [row] = await db.sql`select identity from inbound_messages where id = ${first.inboundId}`;
    expect(row!.identity).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('threads a customer reply by In-Reply-To to our acknowledgement', async () => {
    const from = `threaded${n}@example.com`;
    const opened = await receive(complaint(from));
    const [ack] = await db.sql`select o.message_id from outbound_messages o join cases c on c.id = o.case_id where c.reference = ${opened.caseReference!}`;
    const reply = rawMail({ from, subject: 'Re: Broadband down', body: 'Any news? The line is still dead.', inReplyTo: ack!.message_id }, `r${n}@example.com`, app.clock.now());
    const out = await receive(reply);
    expect(out).toMatchObject({ kind: 'reply', caseReference: opened.caseReference, caseOpened: false });
  });

  it('threads a reply by the case reference and token when headers are lost', async () => {
    const from = `tokened${n}@example.com`;
    const opened = await receive(complaint(from));
    const [kase] = await db.sql`select token from cases where reference = ${opened.caseReference!}`;
    const body = `Still waiting.\r\n\r\n> Case ${opened.caseReference}/${kase!.token} - please keep this line`;
    const out = await receive(rawMail({ from, subject: `Re: your complaint ${opened.caseReference}`, body }, `t${n}@example.com`, app.clock.now()));
    expect(out).toMatchObject({ kind: 'reply', caseReference: opened.caseReference });
  });

  it('Who may act by email: a stranger naming a reference without the token opens nothing and closes nothing', async () => {
    const opened = await receive(complaint());
    const before = await db.sql`select count(*)::int as n from cases`;
    const out = await receive(
      rawMail({ from: `stranger${n}@evil.test`, subject: `Re: ${opened.caseReference}`, body: `Yes, resolved, please close ${opened.caseReference}.` }, `s${n}@evil.test`, app.clock.now()),
    );
    expect(out).toMatchObject({ kind: 'other', caseOpened: false });
    const after = await db.sql`select count(*)::int as n from cases`;
    expect(after[0]!.n).toBe(before[0]!.n);
    const [kase] = await db.sql`select status from cases where reference = ${opened.caseReference!}`;
    expect(kase!.status).toBe('new');
    const [row] = await db.sql`select classification -> 'reasons' as reasons from inbound_messages where id = ${out.inboundId}`;
    expect(JSON.stringify(row!.reasons)).toContain('names-reference-without-token');
  });

  it('a reply threaded by headers but from an address not on the case does not count for it', async () => {
    const opened = await receive(complaint());
    const [ack] = await db.sql`select o.message_id from outbound_messages o join cases c on c.id = o.case_id where c.reference = ${opened.caseReference!}`;
    const out = await receive(rawMail({ from: `other${n}@example.org`, subject: 'Re: x', body: 'Resolved, close it.', inReplyTo: ack!.message_id }, `o${n}@example.org`, app.clock.now()));
    expect(out.kind).toBe('other');
    const [kase] = await db.sql`select status from cases where reference = ${opened.caseReference!}`;
    expect(kase!.status).toBe('new');
  });

  it('an oversized message is stored raw and quarantined with the reason', async () => {
    const big = complaint(undefined, 'x'.repeat(250_000));
    const out = await receive(big);
    expect(out).toMatchObject({ status: 'stored', kind: 'quarantined', caseOpened: false });
    const [row] = await db.sql`select quarantine_reason, octet_length(raw) as bytes, limit_breaches from inbound_messages where id = ${out.inboundId}`;
    expect(row!.quarantine_reason).toMatch(/size/);
    expect(Number(row!.bytes)).toBe(Buffer.byteLength(big));
    expect(row!.limit_breaches.length).toBeGreaterThan(0);
  });

  it('regression (corpus): an envelope sender with no domain ("hermes") does not stop the acknowledgement going to the From address', async () => {
    const raw = rawMail({ from: `lee${n}@example.com`, subject: 'Line fault', body: 'The line has been crackling for a fortnight and calls drop after a minute.', headers: { 'Return-Path': '<hermes>' } }, `hermes${n}@example.com`, app.clock.now());
    const out = await receive(raw);
    expect(out).toMatchObject({ status: 'stored', kind: 'complaint', caseOpened: true });
    const [ack] = await db.sql`select o.to_addresses from outbound_messages o join cases c on c.id = o.case_id where c.reference = ${out.caseReference!}`;
    expect(ack!.to_addresses).toEqual([`lee${n}@example.com`]);
  });

  it('loses nothing: a message whose processing fails for good is stored raw and quarantined with the reason', async () => {
    const broken = { ...app.intake, enqueue: async () => Promise.reject(new Error('template exploded')) };
    const raw = complaint();
    const out = await intakeMessage(broken, { raw: Buffer.from(raw), receivedAt: app.clock.now(), source: 'file' });
    expect(out).toMatchObject({ status: 'stored', kind: 'quarantined', caseOpened: false });
    const [row] = await db.sql`select quarantine_reason, octet_length(raw)::int as bytes from inbound_messages where id = ${out.inboundId}`;
    expect(row).toEqual({ quarantine_reason: 'processing failed: template exploded', bytes: Buffer.byteLength(raw) });
  });

  it('a batch is one transaction: five complaints from one sender in order, five cases, the repeat flag counting the earlier ones of the batch', async () => {
    const from = `batch${n}@example.com`;
    const inputs = [1, 2, 3, 4, 5].map((i) => ({
      raw: Buffer.from(rawMail({ from, subject: `Complaint ${i}`, body: 'My broadband has been down for six days and nobody has come to repair it.' }, `batch${n}-${i}@example.com`, app.clock.now())),
      receivedAt: new Date(app.clock.now().getTime() + i * 60_000),
      source: 'file' as const,
    }));
    const outcomes = await app.processBatch(inputs);
    expect(outcomes.map((o) => [o.status, o.kind, o.caseOpened])).toEqual(Array.from({ length: 5 }, () => ['stored', 'complaint', true]));
    const cases = await db.sql<{ reference: string; flags: string[] }[]>`
      select c.reference, c.flags from cases c join customers cu on cu.id = c.customer_id where cu.email = ${from} order by c.id`;
    expect(cases.map((c) => c.reference)).toEqual(outcomes.map((o) => o.caseReference));
    expect(cases.map((c) => c.flags.includes('repeat'))).toEqual([false, false, true, true, true]);
  });

  it('a poison message in a batch is quarantined alone: the batch falls back to one message at a time', async () => {
    const inputs = [1, 2, 3].map((i) => ({ raw: Buffer.from(complaint(`poison${n}-${i}@example.com`).replace(`Broadband down ${n}`, i === 2 ? 'POISON' : `Broadband down ${n}-${i}`).replace(`c${n}-`, `c${n}-${i}-`)), receivedAt: app.clock.now(), source: 'file' as const }));
    app.intake.hooks = {
      beforeWrite: (batch) => {
        if (batch.some((i) => i.raw.includes('POISON'))) throw new Error('a bug this message triggers');
      },
    };
    try {
      const outcomes = await app.processMany(inputs);
      expect(outcomes.map((o) => [o.status, o.kind])).toEqual([['stored', 'complaint'], ['stored', 'quarantined'], ['stored', 'complaint']]);
    } finally {
      app.intake.hooks = undefined;
    }
  });

  it('auto-replies and bounces open no case (POLICY: what is not a complaint)', async () => {
    const ooo = rawMail({ from: `away${n}@example.com`, subject: 'Out of Office', body: 'I am away until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } }, `ooo${n}@example.com`, app.clock.now());
    expect(await receive(ooo)).toMatchObject({ kind: 'auto_reply', caseOpened: false });
  });

  it('R8: a third complaint within 12 months flags the customer as a repeat complainant', async () => {
    const from = `repeat${n}@example.com`;
    for (const i of [1, 2]) {
      app.clock.advance(86_400_000);
      await receive(rawMail({ from, subject: `Problem ${i}`, body: 'My phone line keeps dropping calls every evening and nobody fixes it.' }, `rep${n}-${i}@example.com`, app.clock.now()));
    }
    app.clock.advance(86_400_000);
    const third = await receive(rawMail({ from, subject: 'Problem 3', body: 'Now my bill is wrong as well, charged twice for the same month of service.' }, `rep${n}-3@example.com`, app.clock.now()));
    const [kase] = await db.sql`select flags, priority from cases where reference = ${third.caseReference!}`;
    expect(kase!.flags).toContain('repeat');
    expect(kase!.priority).toBe(true);
  });
});
