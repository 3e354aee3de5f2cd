import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSource, type SmtpSource } from '../../src/intake/smtp-source.ts';
import type { IntakeInput, ProcessMessage } from '../../src/intake/types.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, silentLog, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';

describe('SMTP/LMTP intake', () => {
  let db: TestDb;
  let app: TestApp;
  const sources: SmtpSource[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.close()));
    await app.close();
    await db.drop();
  });

  async function listen(process: ProcessMessage, protocol: 'smtp' | 'lmtp' = 'smtp', hardMaxBytes = 1_000_000) {
    const source = await startSmtpSource({ clock: app.clock, log: silentLog, process }, { host: '127.0.0.1', port: 0, protocol, hardMaxBytes });
    sources.push(source);
    return nodemailer.createTransport({ host: '127.0.0.1', port: source.port, secure: false, ignoreTLS: true, lmtp: protocol === 'lmtp' } as never);
  }

  const envelope = { from: 'sam@example.com', to: ['complaints@redress.test'] };
  const raw = (id: string) => rawMail({ from: 'Sam <sam@example.com>', subject: 'No dial tone', body: 'My landline has had no dial tone since Friday and my mother relies on it.' }, id, app.clock.now());

  it('answers 250 only after the intake transaction has committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let committed = false;
    const transport = await listen(async (input: IntakeInput) => {
      await gate;
      const outcome = await app.process(input);
      committed = true;
      return outcome;
    });
    let answered = false;
    const sending = transport.sendMail({ envelope, raw: raw('smtp-gated@example.com') }).then((info) => {
      answered = true;
      expect(committed).toBe(true);
      return info;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe(false);
    release();
    const info = await sending;
    expect(info.response).toMatch(/^250/);
    const [row] = await db.sql`select kind, source, envelope_from, received_at from inbound_messages where message_id = 'smtp-gated@example.com'`;
    expect(row).toMatchObject({ kind: 'complaint', source: 'smtp', envelope_from: 'sam@example.com' });
    expect(row!.received_at.toISOString()).toBe(app.clock.now().toISOString());
  });

  it('answers 451 when the intake fails, so the sending MTA keeps the message and retries', async () => {
    const transport = await listen(async () => {
      throw new Error('database unavailable');
    });
    await expect(transport.sendMail({ envelope, raw: raw('smtp-fail@example.com') })).rejects.toMatchObject({ responseCode: 451 });
    const rows = await db.sql`select 1 from inbound_messages where message_id = 'smtp-fail@example.com'`;
    expect(rows).toHaveLength(0);
  });

  it('LMTP delivers through the same pipeline', async () => {
    const transport = await listen(app.process, 'lmtp');
    const info = await transport.sendMail({ envelope, raw: raw('lmtp-1@example.com') });
    expect(info.accepted).toEqual(['complaints@redress.test']);
    const [row] = await db.sql`select source from inbound_messages where message_id = 'lmtp-1@example.com'`;
    expect(row!.source).toBe('lmtp');
  });

  it('a null envelope sender is recorded, so a bounce is told apart', async () => {
    const transport = await listen(app.process);
    const bounce = rawMail({ from: 'MAILER-DAEMON@mx.example.com', subject: 'Undelivered Mail Returned to Sender', body: 'This is the mail system. I could not deliver your message.' }, 'bounce-1@mx.example.com', app.clock.now());
    await transport.sendMail({ envelope: { from: '', to: ['complaints@redress.test'] }, raw: bounce });
    const [row] = await db.sql`select kind, case_id from inbound_messages where message_id = 'bounce-1@mx.example.com'`;
    expect(row).toMatchObject({ kind: 'bounce', case_id: null });
  });

  it('refuses with 552 a message over the hard limit, and keeps nothing half-stored', async () => {
    const transport = await listen(app.process, 'smtp', 10_000);
    const big = rawMail({ from: 'sam@example.com', subject: 'big', body: 'y'.repeat(50_000) }, 'smtp-big@example.com', app.clock.now());
    await expect(transport.sendMail({ envelope, raw: big })).rejects.toMatchObject({ responseCode: 552 });
    const rows = await db.sql`select 1 from inbound_messages where message_id = 'smtp-big@example.com'`;
    expect(rows).toHaveLength(0);
  });
});
