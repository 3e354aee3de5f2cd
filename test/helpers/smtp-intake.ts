import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { startSmtpSource, type SmtpSource, type SmtpSourceOptions } from '../../src/intake/smtp-source.ts';
import { runDue } from '../../src/jobs/run-due.ts';
import { smtpSourceOptions } from '../../src/worker.ts';
import { createTestApp, type TestApp } from './app.ts';
import { createTestDb, silentLog, type TestDb } from './db.ts';
import { fakeDns, type FakeDns } from './fake-dns.ts';
import { header, rawMail, type Mail } from './e2e.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from './smtp-sink.ts';

/**
 * Redress as the receiving server: the SMTP listener as `redress start` configures it
 * (no AUTHSERV_ID, so it verifies SPF, DKIM and DMARC itself), against a DNS zone the test
 * controls. Mail is sent to it over SMTP from 127.0.0.1 with any envelope.
 */
export interface SmtpE2E {
  app: TestApp;
  db: TestDb;
  sink: SmtpSink;
  dns: FakeDns;
  source: SmtpSource;
  /** Sends raw bytes with the given MAIL FROM; resolves with the server's answer. */
  send(raw: string, mailFrom: string): Promise<string>;
  /** A message in the shape of `rawMail`, without any trace fields; returns its Message-ID. */
  mail(m: Mail, mailFrom?: string, sign?: string): Promise<string>;
  runDue(): Promise<unknown>;
  sent(kind?: string): SinkMessage[];
  close(): Promise<void>;
}

export async function startSmtpE2E(env: Record<string, string> = {}, listener: Partial<SmtpSourceOptions> = {}, start = '2026-09-01T10:00:00Z'): Promise<SmtpE2E> {
  const [sink, db] = await Promise.all([startSmtpSink(), createTestDb()]);
  const app = await createTestApp(db, { SMTP_URL: sink.url, ...env }, start);
  const dns = fakeDns();
  const options = await smtpSourceOptions(app.config);
  const source = await startSmtpSource(
    { clock: app.clock, log: silentLog, process: app.process, processMany: app.processMany },
    { ...options, port: 0, ...(options.verifySenders ? { verifySenders: { ...options.verifySenders, resolver: dns.resolver } } : {}), ...listener },
  );
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: source.port, secure: false, ignoreTLS: true });
  const send = async (raw: string, mailFrom: string) => {
    const info = await transport.sendMail({ envelope: { from: mailFrom, to: ['complaints@redress.test'] }, raw });
    return String(info.response);
  };
  return {
    app,
    db,
    sink,
    dns,
    source,
    send,
    mail: async (m, mailFrom, sign) => {
      const id = `${randomBytes(8).toString('hex')}@${sign ?? 'sender.test'}`;
      const raw = rawMail({ ...m, trace: m.trace ?? [] }, id, app.clock.now());
      await send(sign ? await dns.sign(sign, raw) : raw, mailFrom ?? (/<?([^<>\s]+@[^<>\s]+)>?$/.exec(m.from)?.[1] ?? m.from));
      return id;
    },
    runDue: () => runDue(app.runDue),
    sent: (kind) => sink.messages.filter((s) => !kind || header(s, 'x-redress-kind') === kind),
    close: async () => {
      transport.close();
      await source.close();
      await app.close();
      await Promise.all([sink.stop(), db.drop()]);
    },
  };
}
