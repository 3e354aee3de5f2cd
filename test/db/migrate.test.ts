import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { CHANNELS } from '../../src/vocabulary.ts';
import { createTestDb, silentLog, type TestDb } from '../helpers/db.ts';

describe('migrations', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.drop());

  it('are numbered without gaps and all applied to the template', async () => {
    const files = await listMigrations();
    const rows = await db.sql<{ version: number }[]>`select version from schema_migrations order by version`;
    expect(rows.map((r) => r.version)).toEqual(files.map((m) => m.version));
  });

  it('running again applies nothing', async () => {
    expect(await migrate(db.sql, silentLog)).toEqual([]);
  });

  it("cases.channel takes exactly the vocabulary's channels, email when not given", async () => {
    const [c] = await db.sql<{ id: bigint }[]>`insert into customers (email) values ('chan@example.com') returning id`;
    const open = (n: number, channel?: string) =>
      db.sql<{ channel: string }[]>`insert into cases (reference, token, customer_id, received_at ${channel ? db.sql`, channel` : db.sql``})
        values (${`CMP-2026-90000${n}`}, ${`channeltoken${n}`}, ${c!.id}, now() ${channel ? db.sql`, ${channel}` : db.sql``}) returning channel`;
    expect((await open(0))[0]!.channel).toBe('email');
    for (const [i, channel] of CHANNELS.entries()) expect((await open(i + 1, channel))[0]!.channel).toBe(channel);
    await expect(open(9, 'fax')).rejects.toThrow(/cases_channel_check/);
  });

  it('redaction keeps how a complaint came and how it was acknowledged (our vocabulary), not what the customer said', async () => {
    const [row] = await db.sql<[{ opened: unknown; acknowledged: unknown }]>`
      select redacted_json(${db.sql.json({ channel: 'phone', text: 'Alice said her line is dead', forwarded: 'inline', received_from: 'forwarded-date' })}) as opened,
             redacted_json(${db.sql.json({ rule: 'R1', channel: 'phone' })}) as acknowledged`;
    expect(row).toEqual({ opened: { channel: 'phone', text: '[redacted]', forwarded: 'inline', received_from: 'forwarded-date' }, acknowledged: { rule: 'R1', channel: 'phone' } });
  });

  it("the automatic mail's recipients index has no pending list: the send caps' per-address probes stay index lookups all day", async () => {
    const [index] = await db.sql<[{ reloptions: string[] }]>`select reloptions from pg_class where relname = 'outbound_automatic_to_idx'`;
    expect(index.reloptions).toEqual(['fastupdate=off']);
  });

  it('R18: case history refuses updates and deletes', async () => {
    await expect(db.sql`update case_history set actor = 'x'`).resolves.toBeDefined();
    const [c] = await db.sql`insert into customers (email) values ('a@example.com') returning id`;
    const [k] = await db.sql`insert into cases (reference, token, customer_id, received_at) values ('CMP-2026-000001', 'aaaaaaaaaaaaaaaa', ${c!.id}, now()) returning id`;
    await db.sql`insert into case_history (case_id, at, actor, event) values (${k!.id}, now(), 'system', 'case.opened')`;
    await expect(db.sql`update case_history set actor = 'x'`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from case_history`).rejects.toThrow(/append-only/);
  });

  describe('R18 with erasure: redact_case_history is the only way to change a history row', () => {
    let caseId: bigint;
    beforeAll(async () => {
      const [c] = await db.sql<{ id: bigint }[]>`insert into customers (email) values ('kim@example.com') returning id`;
      const [k] = await db.sql<{ id: bigint }[]>`insert into cases (reference, token, customer_id, received_at) values ('CMP-2026-000002', 'bbbbbbbbbbbbbbbb', ${c!.id}, now()) returning id`;
      caseId = k!.id;
      await db.sql`insert into case_history (case_id, at, actor, event, data) values
        (${caseId}, '2026-11-02T10:00:00Z', 'customer:kim@example.com', 'case.opened', ${db.sql.json({ reference: 'CMP-2026-000002', flags: ['urgent'], priority: true, evidence: ['urgent: "no phone"'], thirdParty: { customerName: 'Kim Lee', customerEmail: 'kim@example.com' } })}),
        (${caseId}, '2026-11-02T11:00:00Z', 'staff:ann@telco.test', 'note.added', ${db.sql.json({ rule: 'R3', text: 'Rang Kim on 07700 900123' })}),
        (${caseId}, '2026-11-02T12:00:00Z', 'system', 'deadline.set', ${db.sql.json({ kind: 'ack', rule: 'R1', due_at: '2026-11-03T10:00:00.000Z' })})`;
    });

    const rows = () => db.sql<{ at: Date; actor: string; event: string; data: unknown }[]>`select at, actor, event, data from case_history where case_id = ${caseId} order by id`;

    it('an ordinary update is refused, even one that writes exactly the redacted form', async () => {
      await expect(db.sql`update case_history set actor = redacted_actor(actor), data = redacted_json(data) where case_id = ${caseId}`).rejects.toThrow(/append-only \(UPDATE refused\)/);
    });

    it('inside the redaction path, any change but the redaction is refused, and delete always is', async () => {
      await expect(
        db.sql.begin(async (tx) => {
          await tx`select set_config('redress.redacting_case', ${String(caseId)}, true)`;
          await tx`update case_history set event = 'case.rewritten' where case_id = ${caseId}`;
        }),
      ).rejects.toThrow(/append-only \(UPDATE refused\)/);
      await expect(
        db.sql.begin(async (tx) => {
          await tx`select set_config('redress.redacting_case', ${String(caseId)}, true)`;
          await tx`delete from case_history where case_id = ${caseId}`;
        }),
      ).rejects.toThrow(/append-only \(DELETE refused\)/);
    });

    it('replaces customers and free text by placeholders, keeps events, dates, rules and flags, and changes nothing the second time', async () => {
      const before = await rows();
      const [first] = await db.sql<[{ n: number }]>`select redact_case_history(${caseId}) as n`;
      expect(first.n).toBe(2);
      expect(await rows()).toEqual([
        {
          at: before[0]!.at,
          actor: 'customer:[redacted]',
          event: 'case.opened',
          data: { reference: 'CMP-2026-000002', flags: ['urgent'], priority: true, evidence: ['[redacted]'], thirdParty: { customerName: '[redacted]', customerEmail: '[redacted]' } },
        },
        { at: before[1]!.at, actor: 'staff:ann@telco.test', event: 'note.added', data: { rule: 'R3', text: '[redacted]' } },
        before[2],
      ]);
      const [second] = await db.sql<[{ n: number }]>`select redact_case_history(${caseId}) as n`;
      expect(second.n).toBe(0);
      const [flag] = await db.sql<[{ v: string }]>`select coalesce(current_setting('redress.redacting_case', true), '') as v`;
      expect(flag.v).toBe('');
    });
  });
});

