import { ImapFlow, type Logger as ImapFlowLogger } from 'imapflow';
import { RedressError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AccessTokens } from '../oauth2/access-tokens.ts';

/** One IMAP connection: URL parsing, connect and select, IDLE between drains, errors that say what to do. */

export interface MailboxAddress {
  secure: boolean;
  host: string;
  port: number;
  user: string;
  /** Empty with OAuth2 sign-in. */
  pass: string;
  mailbox: string;
  /** `user@host:port/MAILBOX`: the cursor row and the lock key. */
  identity: string;
}

/** Parses IMAP_URL. Messages never repeat the URL, which carries the password. */
export function parseImapUrl(raw: string, signIn: 'password' | 'oauth2' = 'password'): MailboxAddress {
  const hint =
    signIn === 'password'
      ? 'IMAP_URL must look like imap://user:password@host:port/MAILBOX (or imaps:// for TLS)'
      : 'with IMAP_AUTH=oauth2, IMAP_URL must look like imaps://user@host:port/MAILBOX (no password)';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RedressError('imap', `${hint}; it is not a valid URL`);
  }
  if (url.protocol !== 'imap:' && url.protocol !== 'imaps:') {
    throw new RedressError('imap', `${hint}; got scheme ${url.protocol}`);
  }
  const secure = url.protocol === 'imaps:';
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  if (!user || !url.hostname) throw new RedressError('imap', `${hint}; the user or host is missing`);
  if (signIn === 'password' ? !pass : pass) throw new RedressError('imap', `${hint}; ${pass ? 'remove the password' : 'the password is missing'}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : secure ? 993 : 143;
  const mailbox = decodeURIComponent(url.pathname.replace(/^\//, '').split(';')[0] ?? '') || 'INBOX';
  return { secure, host, port, user, pass, mailbox, identity: `${user}@${host}:${port}/${mailbox}` };
}

export interface Session {
  client: ImapFlow;
  uidValidity: bigint;
  readonly closed: boolean;
  /** Clears the "something changed" mark; call before looking at the mailbox. */
  takeNews(): void;
  waitForNews(ms: number, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface SessionOptions {
  addr: MailboxAddress;
  /** `oauth2`: sign in with its access tokens (XOAUTH2/OAUTHBEARER) instead of the password. */
  opts: { processedFolder: string; tlsVerify: boolean; oauth2?: AccessTokens };
  log: Logger;
  imapflowLog: ImapFlowLogger;
}

type SignIn = { user: string; pass: string } | { user: string; accessToken: string };

/**
 * Connects and selects the mailbox. With OAuth2 a refused token is renewed once and the
 * sign-in tried again: the server may have revoked it, or our clock and its disagree.
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const { addr, opts, log } = options;
  const tokens = opts.oauth2;
  if (!tokens) return connectSession(options, { user: addr.user, pass: addr.pass });
  const token = await tokens.get();
  try {
    return await connectSession(options, { user: addr.user, accessToken: token });
  } catch (err) {
    if (!(err instanceof RedressError && err.context.signInRefused)) throw err;
    log.warn({ user: addr.user }, 'the IMAP server refused the OAuth2 access token; renewing it and signing in again');
    tokens.forget(token);
    return connectSession(options, { user: addr.user, accessToken: await tokens.get() });
  }
}

async function connectSession({ addr, opts, log, imapflowLog }: SessionOptions, auth: SignIn): Promise<Session> {
  const client = new ImapFlow({
    host: addr.host,
    port: addr.port,
    secure: addr.secure,
    auth,
    tls: { rejectUnauthorized: opts.tlsVerify },
    logger: imapflowLog,
    disableAutoIdle: true, // we IDLE ourselves between drains, and only then
    connectionTimeout: 30_000,
  });
  let news = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    news = true;
    wake?.();
  };
  client.on('error', (err) => log.warn({ err: errorMessage(err) }, 'IMAP connection error'));
  client.on('exists', notify);
  client.on('close', () => {
    closed = true;
    notify();
  });

  try {
    await client.connect();
    const mailbox = await client.mailboxOpen(addr.mailbox);
    await ensureFolder(client, opts.processedFolder);
    return {
      client,
      uidValidity: mailbox.uidValidity,
      get closed() {
        return closed;
      },
      takeNews: () => (news = false),
      waitForNews: async (ms, signal) => {
        if (news || closed) return;
        client.idle().catch(() => {}); // ended by the next command, or by the connection closing
        await sleep(ms, signal, (w) => (wake = w));
        wake = undefined;
      },
      close: async () => {
        // LOGOUT politely, but a half-open connection must not hold up a shutdown
        if (!closed) {
          const giveUp = new AbortController();
          await Promise.race([client.logout().catch(() => {}), sleep(5_000, giveUp.signal)]);
          giveUp.abort(); // clears the timer
        }
        client.close();
      },
    };
  } catch (err) {
    client.close();
    throw translateConnectError(err, addr, 'accessToken' in auth);
  }
}

async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  try {
    await client.mailboxCreate(folder); // { created: false } when it already exists
  } catch (err) {
    const listed = await client.list().catch(() => []);
    if (!listed.some((m) => m.path === folder)) {
      throw new RedressError('imap', `cannot create IMAP_PROCESSED_FOLDER "${folder}": create it on the server or pick another name`, {
        cause: err,
      });
    }
  }
}

function translateConnectError(err: unknown, addr: MailboxAddress, withToken: boolean): RedressError {
  if (err instanceof RedressError) return err;
  const e = err as { authenticationFailed?: boolean; mailboxMissing?: boolean; serverResponseCode?: string; responseText?: string; code?: string };
  const where = `${addr.user} at ${addr.host}:${addr.port}`;
  if (e.authenticationFailed) {
    const fix = withToken
      ? 'the server refused the OAuth2 access token: check the user in IMAP_URL, that the app may read this mailbox, and OAUTH2_SCOPE'
      : 'check the user and password in IMAP_URL';
    return new RedressError('imap', `IMAP login failed for ${where}: ${fix}`, { cause: err, context: { signInRefused: true } });
  }
  if (e.mailboxMissing || e.serverResponseCode === 'NONEXISTENT') {
    return new RedressError('imap', `mailbox "${addr.mailbox}" does not exist for ${where}: create it or fix the path in IMAP_URL`, { cause: err });
  }
  if (/certificate|self[- ]signed|CERT_/i.test(`${e.code ?? ''} ${errorMessage(err)}`)) {
    return new RedressError('imap', `TLS certificate of ${addr.host} not trusted (${errorMessage(err)}): fix the certificate or set IMAP_TLS_VERIFY=false`, { cause: err });
  }
  const detail = e.responseText ?? e.code ?? errorMessage(err);
  return new RedressError('imap', `IMAP session with ${addr.host}:${addr.port} failed (${detail}): check IMAP_URL and that the server is up`, {
    retryable: true,
    cause: err,
  });
}

/** imapflow's levels one level down in ours; its trace (every FETCH response) is never logged. */
const IMAPFLOW_LEVELS = { debug: 'trace', info: 'debug', warn: 'warn', error: 'error' } as const;

/**
 * imapflow logs at trace level to stdout unless handed a logger: its chatter goes one level
 * down. `isLevelEnabled` lets it skip turning each response back into text for a log line
 * that would be dropped (otherwise it does that for every line the server sends).
 */
export function imapflowLogger(child: Logger): ImapFlowLogger & { isLevelEnabled(level: string): boolean } {
  const at = (theirs: keyof typeof IMAPFLOW_LEVELS) => (o: object) => child[IMAPFLOW_LEVELS[theirs]](o);
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: (level) => Object.hasOwn(IMAPFLOW_LEVELS, level) && child.isLevelEnabled(IMAPFLOW_LEVELS[level as keyof typeof IMAPFLOW_LEVELS]),
  };
}

/** Resolves after `ms`, on abort, or when the function handed to `onWake` is called. */
export function sleep(ms: number, signal: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    onWake?.(done);
  });
}
