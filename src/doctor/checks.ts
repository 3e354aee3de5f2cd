import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { errorMessage } from '../errors.ts';
import { imapflowLogger, openSession, parseImapUrl } from '../intake/imap-session.ts';
import type { Logger } from '../log.ts';
import type { AccessTokens } from '../oauth2/access-tokens.ts';
import { nodemailerOAuth2 } from '../oauth2/nodemailer-auth.ts';

/** One line of `redress doctor`: what was checked, and what is wrong with it in words an operator can act on. */
export interface Check {
  check: 'config' | 'database' | 'oauth2' | 'imap' | 'smtp' | 'outbox';
  status: 'ok' | 'fail' | 'skip';
  detail: string;
}

export const ok = (check: Check['check'], detail: string): Check => ({ check, status: 'ok', detail });
export const fail = (check: Check['check'], detail: string): Check => ({ check, status: 'fail', detail });
export const skip = (check: Check['check'], detail: string): Check => ({ check, status: 'skip', detail });

/** Reachable, and the schema current or how far behind. Reads only: nothing is migrated. */
export async function checkDatabase(config: Config, log: Logger): Promise<Check> {
  const where = config.DATABASE_URL ? databaseHost(config.DATABASE_URL) : `the embedded Postgres under ${path.join(config.REDRESS_DATA_DIR, 'pg')}`;
  try {
    const db = await openDatabase(config, log);
    try {
      const pending = await pendingMigrations(db.sql);
      const schema = pending.length === 0 ? 'schema current' : `${pending.length} migration(s) pending, applied by redress migrate or at start`;
      return ok('database', `${where}: reachable, ${schema}`);
    } finally {
      await db.close();
    }
  } catch (err) {
    return fail('database', `cannot use ${where} (${errorMessage(err)}): check DATABASE_URL and that Postgres is up`);
  }
}

/** The URL without its credentials: a password in DATABASE_URL never reaches the output. */
function databaseHost(url: string): string {
  const parsed = URL.parse(url);
  return parsed ? `${parsed.host}${parsed.pathname}` : 'DATABASE_URL';
}

export async function checkOAuth2(config: Config, tokens: AccessTokens): Promise<Check> {
  const grant = config.OAUTH2_REFRESH_TOKEN ? 'refresh-token' : 'client-credentials';
  const host = URL.parse(config.OAUTH2_TOKEN_URL ?? '')?.host ?? 'OAUTH2_TOKEN_URL';
  try {
    await tokens.get();
    return ok('oauth2', `access token from ${host} by the ${grant} grant`);
  } catch (err) {
    return fail('oauth2', errorMessage(err));
  }
}

/** Signs in as the worker would (the same session code) and opens the mailbox; the processed folder is created if missing, as at start. */
export async function checkImap(config: Config, tokens: AccessTokens | undefined, log: Logger): Promise<Check> {
  if (!config.IMAP_URL) return skip('imap', 'IMAP_URL not set: mail comes in over SMTP/LMTP or redress ingest FILE');
  try {
    const addr = parseImapUrl(config.IMAP_URL, tokens ? 'oauth2' : 'password');
    if (config.IMAP_PROCESSED_FOLDER === addr.mailbox) return fail('imap', `IMAP_PROCESSED_FOLDER must differ from the mailbox read (${addr.mailbox})`);
    const session = await openSession({
      addr,
      opts: { processedFolder: config.IMAP_PROCESSED_FOLDER, tlsVerify: config.IMAP_TLS_VERIFY, oauth2: tokens },
      log: log.child({ component: 'imap', mailbox: addr.identity }),
      imapflowLog: imapflowLogger(log.child({ component: 'imapflow', mailbox: addr.identity })),
    });
    try {
      const waiting = session.client.mailbox ? session.client.mailbox.exists : 0;
      const how = tokens ? 'with an OAuth2 token' : 'with the password';
      return ok('imap', `signed in to ${addr.host}:${addr.port} as ${addr.user} ${how}; ${addr.mailbox} holds ${waiting} message(s); ${config.IMAP_PROCESSED_FOLDER} is there`);
    } finally {
      await session.close();
    }
  } catch (err) {
    return fail('imap', errorMessage(err));
  }
}

/** Connects and signs in (nodemailer's verify: EHLO, STARTTLS when offered, AUTH); sends nothing. */
export async function checkSmtp(config: Config, tokens: AccessTokens | undefined): Promise<Check> {
  if (!config.SMTP_URL) return skip('smtp', 'SMTP_URL not set: outbound mail is written to the outbox folder');
  const connection = parseConnectionUrl(config.SMTP_URL);
  const user = connection.auth?.user;
  const where = `${connection.host ?? 'localhost'}:${connection.port ?? (connection.secure ? 465 : 587)}`;
  const auth = tokens ? nodemailerOAuth2(user ?? '', tokens).auth : connection.auth;
  const transport = nodemailer.createTransport({ ...connection, auth, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 });
  try {
    await transport.verify();
    return ok('smtp', user ? `signed in to ${where} as ${user} ${tokens ? 'with XOAUTH2' : 'with the password'}` : `connected to ${where}; SMTP_URL names no user, so no sign-in`);
  } catch (err) {
    return fail('smtp', smtpProblem(err, where, user, Boolean(tokens)));
  } finally {
    transport.close();
  }
}

function smtpProblem(err: unknown, where: string, user: string | undefined, withToken: boolean): string {
  const code = (err as { code?: string }).code;
  if (code === 'EAUTH') {
    const fix = withToken
      ? 'check the user in SMTP_URL, that the app may send as this mailbox, and OAUTH2_SCOPE'
      : 'check the user and password in SMTP_URL';
    return `SMTP sign-in as ${user ?? '(no user)'} at ${where} failed (${errorMessage(err)}): ${fix}`;
  }
  if (/certificate|self[- ]signed|CERT_/i.test(`${code ?? ''} ${errorMessage(err)}`)) {
    return `TLS certificate of ${where} not trusted (${errorMessage(err)}): fix the certificate or the host in SMTP_URL`;
  }
  return `cannot talk to the SMTP server at ${where} (${errorMessage(err)}): check SMTP_URL and that the server is up`;
}

/** Without SMTP_URL every message is a file here: the folder must exist or be creatable, and be writable. */
export async function checkOutbox(config: Config): Promise<Check> {
  const dir = path.join(config.REDRESS_DATA_DIR, 'outbox');
  if (config.SMTP_URL) return skip('outbox', `not used: SMTP_URL is set (without it mail is written to ${dir})`);
  const probe = path.join(dir, `.doctor-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(probe, '', { flag: 'wx' });
    await fs.rm(probe);
    const waiting = (await fs.readdir(dir)).filter((f) => f.endsWith('.eml')).length;
    return ok('outbox', `${dir} is writable; it holds ${waiting} message(s)`);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    return fail('outbox', `cannot write to the outbox folder ${dir} (${reason}): make it writable for this user, or set REDRESS_DATA_DIR or SMTP_URL`);
  }
}
