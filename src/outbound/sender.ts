import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { errorMessage, RedressError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AccessTokens } from '../oauth2/access-tokens.ts';
import { nodemailerOAuth2 } from '../oauth2/nodemailer-auth.ts';

export interface Envelope {
  /** MAIL FROM; '' is the null sender. */
  from: string;
  to: string[];
}

/** Hands composed messages on. Failures are `RedressError('send_failed')` with `retryable` set. */
export interface Sender {
  send(raw: Buffer, envelope: Envelope, messageId: string): Promise<void>;
  close(): Promise<void>;
}

export interface SenderOptions {
  /** `smtp://user:pass@host:port` or `smtps://...`; without it messages go to `outboxDir` as .eml files. */
  smtpUrl?: string;
  outboxDir: string;
  log: Logger;
  /** Sign in with XOAUTH2 and these tokens (SMTP_AUTH=oauth2) instead of the URL's password. */
  oauth2?: AccessTokens;
}

export function createSender(opts: SenderOptions): Sender {
  return opts.smtpUrl ? smtpSender(opts.smtpUrl, opts.log.child({ component: 'smtp-sender' }), opts.oauth2) : fileSender(opts.outboxDir, opts.log.child({ component: 'file-outbox' }));
}

function smtpSender(smtpUrl: string, log: Logger, tokens?: AccessTokens): Sender {
  const connection = parseConnectionUrl(smtpUrl);
  const oauth2 = tokens && nodemailerOAuth2(connection.auth?.user ?? '', tokens);
  const transport = nodemailer.createTransport({ ...connection, ...(oauth2 && { auth: oauth2.auth }), pool: true, logger: quietLogger(log), getSocket: noDelaySocket });
  return {
    async send(raw, envelope, messageId) {
      checkEnvelope(envelope, messageId);
      let info: { rejected?: unknown[]; response?: string };
      try {
        info = (await transport.sendMail({ envelope: { from: envelope.from, to: envelope.to }, raw })) as typeof info;
      } catch (err) {
        // nodemailer already renewed a token refused with the XOAUTH2 challenge; a server that answers 535 outright gets a new one on the retry
        if ((err as { code?: string }).code === 'EAUTH') oauth2?.refused();
        throw translateSmtpError(err, messageId);
      }
      if (info.rejected?.length) log.warn({ messageId, rejected: info.rejected }, 'the server refused some recipients; the others were sent');
      log.info({ messageId, recipients: envelope.to.length, response: info.response }, 'message sent');
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * nodemailer's own sockets keep Nagle's algorithm on, so each message waited ~40 ms for a
 * delayed ACK (measured: 47 ms a send on loopback, 2.3 ms without). We open the TCP
 * connection ourselves with no-delay; nodemailer still does TLS (smtps:// or STARTTLS) on it.
 */
function noDelaySocket(options: { host?: string; port?: number }, callback: (err: Error | null, socketOptions?: { connection: net.Socket }) => void): void {
  const socket = net.connect({ host: options.host ?? 'localhost', port: options.port ?? 25 });
  socket.setNoDelay(true);
  const onError = (err: Error) => callback(Object.assign(err, { code: 'ECONNECTION' }));
  socket.once('error', onError);
  socket.once('connect', () => {
    socket.off('error', onError);
    callback(null, { connection: socket });
  });
}

/** Connection-level failures: the message itself was fine, so trying again later may work. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejectedErrors?: { responseCode?: number; response?: string }[];
}

/**
 * 4xx and connection failures are retryable, 5xx are permanent. Authentication failures
 * are counted retryable even with a 5xx: they are a configuration fault, not a property
 * of the message, and the message should survive until the credentials are fixed.
 */
export function translateSmtpError(err: unknown, messageId: string): RedressError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpFailure;
  const codes = [e.responseCode, ...(e.rejectedErrors ?? []).map((r) => r.responseCode)].filter((c): c is number => typeof c === 'number');
  const retryable = e.code === 'EAUTH' || (codes.length > 0 ? codes.some((c) => c >= 400 && c < 500) : TRANSIENT_CODES.has(e.code ?? ''));
  const next = retryable ? 'it will be retried' : 'the server refused it for good; check the recipient address and the message';
  return new RedressError('send_failed', `sending ${messageId} failed (${errorMessage(err)}): ${next}`, {
    retryable,
    cause: err,
    context: { messageId, responseCode: e.responseCode, response: e.response, command: e.command, smtpCode: e.code },
  });
}

/** Without an SMTP relay: one `<messageId>.eml` per message, written whole or not at all, never twice. */
function fileSender(outboxDir: string, log: Logger): Sender {
  return {
    async send(raw, envelope, messageId) {
      checkEnvelope(envelope, messageId);
      const file = path.join(outboxDir, `${fileNameFor(messageId)}.eml`);
      try {
        await fs.mkdir(outboxDir, { recursive: true });
        const written = await writeOnce(file, raw);
        log.info({ messageId, file, recipients: envelope.to.length, written }, written ? 'message written to the outbox' : 'message already in the outbox');
      } catch (err) {
        throw new RedressError('send_failed', `cannot write ${messageId} to the outbox ${outboxDir} (${errorMessage(err)}): check the directory is writable; it will be retried`, {
          retryable: true,
          cause: err,
          context: { messageId, file },
        });
      }
    },
    async close() {},
  };
}

/** Temp file then a hard link: the link fails if the name exists, so a second send leaves the first file alone. */
async function writeOnce(file: string, raw: Buffer): Promise<boolean> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await fs.writeFile(tmp, raw, { flag: 'wx' });
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    // File systems without hard links: a rename is still atomic, at worst rewriting the same bytes.
    await fs.rename(tmp, file);
    return true;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** A Message-ID as a file name; anything unusual is replaced and the name made unique with a hash. */
export function fileNameFor(messageId: string): string {
  const bare = messageId.trim().replace(/^<|>$/g, '');
  const safe = bare.replace(/[^A-Za-z0-9._@+=-]/g, '_').replace(/^\.+/, '_').slice(0, 200);
  return safe === bare && safe !== '' ? safe : `${safe}-${createHash('sha256').update(bare).digest('hex').slice(0, 12)}`;
}

function checkEnvelope(envelope: Envelope, messageId: string): void {
  const bad = [envelope.from, ...envelope.to].find((a) => /[\s<>\u0000-\u001f\u007f]/.test(a));
  if (envelope.to.length === 0 || bad !== undefined || envelope.to.some((a) => !a.includes('@'))) {
    throw new RedressError('send_failed', `message ${messageId} has an unusable envelope (from ${JSON.stringify(envelope.from)}, to ${JSON.stringify(envelope.to)}): fix the recipients`, {
      retryable: false,
      context: { messageId },
    });
  }
}

/** nodemailer logs each connection at info; keep that at debug so the app's info log stays about messages. */
function quietLogger(log: Logger) {
  return {
    level: () => {},
    trace: (...a: unknown[]) => log.trace(...(a as [object, string])),
    debug: (...a: unknown[]) => log.debug(...(a as [object, string])),
    info: (...a: unknown[]) => log.debug(...(a as [object, string])),
    warn: (...a: unknown[]) => log.warn(...(a as [object, string])),
    error: (...a: unknown[]) => log.error(...(a as [object, string])),
    fatal: (...a: unknown[]) => log.fatal(...(a as [object, string])),
  };
}
