import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { SMTPConnectionAuth } from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { errorMessage, RedressError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AccessTokens } from '../oauth2/access-tokens.ts';
import { nodemailerOAuth2, type NodemailerOAuth2 } from '../oauth2/nodemailer-auth.ts';

export interface Envelope {
  /** MAIL FROM; '' is the null sender. */
  from: string;
  to: string[];
}

/**
 * Why a retryable send failed: `relay` (refused, stalled, dropped: nothing about this
 * message), `message` (the relay answered 4xx about it), `aborted` (we cancelled it).
 */
export type FailureScope = 'relay' | 'message' | 'aborted';

/** Hands composed messages on. Failures are `RedressError('send_failed')` with `retryable` and `context.scope` set. */
export interface Sender {
  send(raw: Buffer, envelope: Envelope, messageId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Resolves when the relay answers (connect, greeting, login; no message): the paused circuit's probe. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpSettings {
  /** Pooled connections, and so sends at the relay at once. */
  maxConnections: number;
  connectTimeoutMs: number;
  greetingTimeoutMs: number;
  /** Longest silence in the middle of a session. */
  socketTimeoutMs: number;
}

export type SmtpAuth = SMTPConnectionAuth;

export interface SenderOptions {
  /** `smtp://user:pass@host:port` or `smtps://...`; without it messages go to `outboxDir` as .eml files. */
  smtpUrl?: string;
  outboxDir: string;
  log: Logger;
  smtp: SmtpSettings;
  /** Sign in with XOAUTH2 and these tokens (SMTP_AUTH=oauth2) instead of the URL's password. */
  oauth2?: AccessTokens;
}

export function createSender(opts: SenderOptions): Sender {
  if (!opts.smtpUrl) return fileSender(opts.outboxDir, opts.log.child({ component: 'file-outbox' }));
  const log = opts.log.child({ component: 'smtp-sender' });
  const oauth2 = opts.oauth2 && nodemailerOAuth2(parseConnectionUrl(opts.smtpUrl).auth?.user ?? '', opts.oauth2);
  return smtpSender(createSmtpTransport(opts.smtpUrl, opts.smtp, log, oauth2?.auth), log, oauth2);
}

/**
 * The one place the nodemailer transport is made; `auth` (e.g. OAuth2) replaces the URL's.
 * Every step has a short timeout, so a relay that stalls fails a send in seconds instead
 * of holding it for nodemailer's defaults (2 min to connect, 10 min of silence).
 * `maxRequeues: 0`: a dropped connection fails the send at once, and the send loop
 * decides (hand it back, or pause the relay).
 */
export function createSmtpTransport(smtpUrl: string, settings: SmtpSettings, log: Logger, auth?: SmtpAuth) {
  return nodemailer.createTransport({
    ...parseConnectionUrl(smtpUrl),
    ...(auth ? { auth } : {}),
    pool: true,
    maxConnections: settings.maxConnections,
    maxRequeues: 0,
    connectionTimeout: settings.connectTimeoutMs,
    greetingTimeout: settings.greetingTimeoutMs,
    socketTimeout: settings.socketTimeoutMs,
    logger: quietLogger(log),
  });
}

function smtpSender(transport: ReturnType<typeof createSmtpTransport>, log: Logger, oauth2?: NodemailerOAuth2): Sender {
  return {
    async send(raw, envelope, messageId, opts = {}) {
      checkEnvelope(envelope, messageId);
      let info: { rejected?: unknown[]; response?: string };
      try {
        info = (await transport.sendMail({ envelope: { from: envelope.from, to: envelope.to }, raw, signal: opts.signal })) as typeof info;
      } catch (err) {
        // nodemailer already renewed a token refused with the XOAUTH2 challenge; a server that answers 535 outright gets a new one on the retry
        if ((err as { code?: string }).code === 'EAUTH') oauth2?.refused();
        throw translateSmtpError(err, messageId);
      }
      if (info.rejected?.length) log.warn({ messageId, rejected: info.rejected }, 'the server refused some recipients; the others were sent');
      log.debug({ messageId, recipients: envelope.to.length, response: info.response }, 'relay accepted the message');
    },
    async probe() {
      try {
        await transport.verify();
      } catch (err) {
        throw translateSmtpError(err, 'probe');
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** The relay cannot take this message however often it is tried. */
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejectedErrors?: { responseCode?: number; response?: string }[];
}

/**
 * 4xx about the message is retryable (that message alone), 5xx is permanent. The relay
 * itself failing (refused, timed out, dropped, 421 "closing", authentication refused) is
 * retryable and pauses sending: it says nothing about the message. Authentication counts
 * as the relay's even with a 5xx: a configuration fault the message should survive.
 */
export function translateSmtpError(err: unknown, messageId: string): RedressError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpFailure;
  const scope = failureScope(e);
  const retryable = scope !== undefined;
  const next = retryable ? 'it will be retried' : 'the server refused it for good; check the recipient address and the message';
  return new RedressError('send_failed', `sending ${messageId} failed (${errorMessage(err)}): ${next}`, {
    retryable,
    cause: err,
    context: { messageId, scope, responseCode: e.responseCode, response: e.response, command: e.command, smtpCode: e.code },
  });
}

/** Undefined: permanent. */
function failureScope(e: SmtpFailure): FailureScope | undefined {
  if (e.code === 'EABORT') return 'aborted';
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || e.responseCode === 421) return 'relay';
  const codes = [e.responseCode, ...(e.rejectedErrors ?? []).map((r) => r.responseCode)].filter((c): c is number => typeof c === 'number');
  if (codes.length > 0) return codes.some((c) => c >= 400 && c < 500) ? 'message' : undefined;
  // No reply from the relay (refused, timed out, dropped, TLS): the message itself was fine.
  return MESSAGE_CODES.has(e.code ?? '') ? undefined : 'relay';
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
        log.debug({ messageId, file, recipients: envelope.to.length, written }, written ? 'message written to the outbox' : 'message already in the outbox');
      } catch (err) {
        throw new RedressError('send_failed', `cannot write ${messageId} to the outbox ${outboxDir} (${errorMessage(err)}): check the directory is writable; it will be retried`, {
          retryable: true,
          cause: err,
          context: { messageId, file, scope: 'relay' satisfies FailureScope },
        });
      }
    },
    async probe() {
      await fs.mkdir(outboxDir, { recursive: true });
      await fs.access(outboxDir, fs.constants.W_OK);
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
