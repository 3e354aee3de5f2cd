import { randomBytes } from 'node:crypto';
import { createImapSource, type DrainStats } from '../../src/intake/imap-source.ts';
import { runDue, type RunDueStats } from '../../src/jobs/run-due.ts';
import { createTestApp, TEST_AUTHSERV_ID, type TestApp } from './app.ts';
import { createTestDb, silentLog, type TestDb } from './db.ts';
import { startDovecot, type Dovecot } from './dovecot.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink, type SmtpSinkOptions } from './smtp-sink.ts';

/** One complaints mailbox, one outbound sink, one database and a pinned clock: the product driven by email only. */
export interface E2E {
  app: TestApp;
  dovecot: Dovecot;
  sink: SmtpSink;
  db: TestDb;
  mailbox: string;
  at(iso: string): void;
  /** Delivers a raw message to the complaints mailbox, received now (INTERNALDATE), and drains it. */
  deliver(raw: string): Promise<DrainStats>;
  /** Puts a raw message in the mailbox without draining it (for bursts). */
  append(raw: string): Promise<void>;
  /** Drains the mailbox once. */
  drain(): Promise<DrainStats>;
  /** Mail from someone to the complaints address; returns its Message-ID (no brackets). */
  email(m: Mail): Promise<string>;
  runDue(): Promise<RunDueStats>;
  /** Messages the sink received, optionally of one kind (X-Redress-Kind). */
  sent(kind?: string): SinkMessage[];
  close(): Promise<void>;
}

export interface Mail {
  from: string;
  subject: string;
  body: string;
  /**
   * Fields our MTA prepends (top of the message). Default: the MTA's Authentication-Results
   * saying dmarc=pass for the From domain, as a deployment with AUTHSERV_ID gets. `[]` sends none.
   */
  trace?: string[];
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  to?: string;
}

/** `sinkOptions` (optional) shapes the outbound SMTP sink, e.g. `reject` to answer 451 or 550 for a recipient. */
export { TEST_AUTHSERV_ID };

export async function startE2E(env: Record<string, string> = {}, start = '2026-09-01T10:00:00Z', sinkOptions: SmtpSinkOptions = {}): Promise<E2E> {
  const [dovecot, sink, db] = await Promise.all([startDovecot(), startSmtpSink(sinkOptions), createTestDb()]);
  const mailbox = `complaints-${randomBytes(4).toString('hex')}`;
  const app = await createTestApp(db, { SMTP_URL: sink.url, IMAP_URL: dovecot.url(mailbox), ...env }, start);
  const source = createImapSource(
    { sql: app.db.sql, log: silentLog, process: app.process, batch: app.batch },
    { url: dovecot.url(mailbox), processedFolder: 'Processed', pollSeconds: 60, batchSize: 100, tlsVerify: false, concurrency: 4 },
  );
  const deliver = async (raw: string) => {
    await dovecot.append(mailbox, raw, { internalDate: app.clock.now() });
    return source.drainOnce();
  };
  return {
    app,
    dovecot,
    sink,
    db,
    mailbox,
    at: (iso) => app.clock.set(iso),
    deliver,
    append: async (raw) => {
      await dovecot.append(mailbox, raw, { internalDate: app.clock.now() });
    },
    drain: () => source.drainOnce(),
    email: async (m) => {
      const id = `${randomBytes(8).toString('hex')}@customer.test`;
      await deliver(rawMail(m, id, app.clock.now()));
      return id;
    },
    runDue: () => runDue(app.runDue),
    sent: (kind) => sink.messages.filter((s) => !kind || header(s, 'x-redress-kind') === kind),
    close: async () => {
      await app.close();
      await Promise.all([dovecot.stop(), sink.stop(), db.drop()]);
    },
  };
}

export function rawMail(m: Mail, messageId: string, date: Date): string {
  const lines = [
    ...(m.trace ?? [dmarcPass(m.from)]),
    `From: ${m.from}`,
    `To: ${m.to ?? 'complaints@redress.test'}`,
    `Subject: ${m.subject}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${messageId}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(m.references?.length ? [`References: ${m.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    ...(m.headers?.['Content-Type'] ? [] : ['Content-Type: text/plain; charset=utf-8']),
    '',
    m.body,
    '',
  ];
  return lines.join('\r\n');
}

/** What our MTA writes for mail whose From domain passed DMARC. */
export function dmarcPass(from: string, authservId = TEST_AUTHSERV_ID): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1]?.toLowerCase() ?? 'unknown.invalid';
  return `Authentication-Results: ${authservId}; spf=pass smtp.mailfrom=${domain}; dmarc=pass header.from=${domain}`;
}

export function header(m: SinkMessage, name: string): string | undefined {
  const v = m.parsed.headers.get(name.toLowerCase());
  return v === undefined ? undefined : String(v);
}

/** The Message-ID of a sink message without brackets. */
export function messageIdOf(m: SinkMessage): string {
  return (m.parsed.messageId ?? '').replace(/^<|>$/g, '');
}
