import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions } from 'smtp-server';

export interface SinkMessage {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  /** performance.now() when it was stored. */
  at: number;
}

export interface SmtpSink {
  port: number;
  url: string;
  /** Everything accepted so far, in order of arrival. */
  messages: SinkMessage[];
  /** Messages whose data has begun to arrive (stored or not). */
  readonly started: number;
  /** Successful sign-ins (with `auth`), in order. */
  signIns: { method: string; username: string }[];
  /** Resolves once `n` messages have arrived in total; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  clear(): void;
  stop(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Refuse a recipient at RCPT TO with this SMTP reply (e.g. 451 or 550); undefined accepts it. */
  reject?: (rcpt: string) => { code: number; message: string } | undefined;
  /** Listen on this port (a relay coming back where it was); default: one the OS picks. */
  port?: number;
  /** Wait this long before answering each message, like a slower relay. */
  delayMs?: number;
  /** Require sign-in with one of `methods`; `check` says whether the password or access token is good. */
  auth?: {
    methods: ('XOAUTH2' | 'PLAIN' | 'LOGIN')[];
    check(login: { method: string; username: string; password?: string; accessToken?: string }): boolean;
    /** Refuse a token with a bare 535 instead of the XOAUTH2 error challenge (334), as some servers do. */
    refuseOutright?: boolean;
  };
}

/** A relay on loopback: no auth, no TLS, quick to close. */
export const PLAIN_RELAY: SMTPServerOptions = { secure: false, authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, closeTimeout: 200 };

/**
 * An in-process SMTP server that keeps what it receives: no TLS, no auth unless asked. A message is
 * answered 250 only after it is parsed and stored, so when a client's send resolves the
 * message is already in `messages`.
 */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const signIns: SmtpSink['signIns'] = [];
  const waiters = new Set<() => void>();
  let started = 0;
  const auth = opts.auth;
  const server = new SMTPServer({
    ...PLAIN_RELAY,
    authOptional: !auth,
    disabledCommands: auth ? ['STARTTLS'] : ['AUTH', 'STARTTLS'],
    ...(auth && { authMethods: auth.methods, allowInsecureAuth: true }),
    onAuth(login, _session, callback) {
      const good = auth?.check({ method: login.method, username: login.username ?? '', password: login.password ?? undefined, accessToken: login.accessToken ?? undefined }) ?? false;
      if (good) {
        signIns.push({ method: login.method, username: login.username ?? '' });
        return callback(null, { user: login.username });
      }
      if (login.method !== 'XOAUTH2' || auth?.refuseOutright) return callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
      callback(null, { data: { status: '401', schemes: 'bearer' } });
    },
    onRcptTo(address, _session, callback) {
      const refusal = opts.reject?.(address.address);
      callback(refusal ? Object.assign(new Error(refusal.message), { responseCode: refusal.code }) : null);
    },
    onData(stream, session, callback) {
      started += 1;
      readAll(stream)
        .then(async (raw) => {
          if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
          const parsed = await simpleParser(raw);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          messages.push({ envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) }, raw, parsed, at: performance.now() });
          for (const wake of waiters) wake();
          callback(null, 'stored');
        })
        .catch((err: unknown) => callback(Object.assign(new Error(`sink could not read the message: ${String(err)}`), { responseCode: 451 })));
    },
  });
  const port = await listen(server, opts.port ?? 0);
  server.on('error', () => {}); // client resets in failure tests are expected

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get started() {
      return started;
    },
    signIns,
    waitFor(n, timeoutMs = 5000) {
      if (messages.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const wake = () => {
          if (messages.length < n) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`smtp sink: waited ${timeoutMs} ms for ${n} message(s), have ${messages.length}`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    clear() {
      messages.length = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Port 0: the OS picks a free port at bind time, so two sinks (or test files) can never race for one. */
export function listen(server: SMTPServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('smtp sink: no port'));
    });
  });
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
