import { timingSafeEqual } from 'node:crypto';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Clock } from '../clock.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { connectionRate } from './connection-rate.ts';
import { verifyAsReceiver, type DnsResolver } from './mail-auth.ts';
import { semaphore, spoolMessage } from './smtp-spool.ts';
import { groupCommit } from '../db/group-commit.ts';
import type { IntakeInput, IntakeOutcome, ProcessMessage } from './types.ts';

export interface SmtpSourceOptions {
  host: string;
  port: number;
  protocol: 'smtp' | 'lmtp';
  /** Past this the message is refused (552); below it, oversized mail is stored raw and quarantined by the intake. */
  hardMaxBytes: number;
  /** Simultaneous client connections (default 20). */
  maxClients?: number;
  /** Connections one address may open per minute (default 60). */
  connectionsPerMinute?: number;
  /** Submitting servers that must sign in with AUTH; without them AUTH is off. */
  users?: ReadonlyMap<string, string>;
  /** PEM certificate and key: STARTTLS is offered, and AUTH needs it. */
  tls?: { cert: Buffer; key: Buffer };
  /** Most messages of concurrent sessions stored in one transaction (group commit). */
  groupCommitMax?: number;
  /** Where message bodies past `spoolThresholdBytes` are written while they arrive. */
  spoolDir?: string;
  spoolThresholdBytes?: number;
  /**
   * Set when Redress is the receiving server (no AUTHSERV_ID): SPF, DKIM and DMARC are
   * verified here. Unset when an MTA in front writes trusted Authentication-Results.
   */
  verifySenders?: { mta: string; resolver?: DnsResolver; timeoutMs?: number };
}

export interface SmtpSource {
  readonly port: number;
  close(): Promise<void>;
}

/** Spooled (large) messages are read back into memory for the intake one at a time. */
const processLargeOneAtATime = semaphore(1);

/**
 * Inbound SMTP/LMTP for deployments where the MTA delivers straight to us. The 250 is
 * given only after the intake transaction commits; any failure answers 451 so the
 * sending MTA keeps the message and retries.
 */
export async function startSmtpSource(
  deps: { clock: Clock; log: Logger; process: ProcessMessage; processMany?: (inputs: readonly IntakeInput[]) => Promise<IntakeOutcome[]> },
  opts: SmtpSourceOptions,
): Promise<SmtpSource> {
  const log = deps.log.child({ component: `${opts.protocol}-intake` });
  // Concurrent sessions share a transaction (group commit); each still answers only after its own message committed.
  const store = deps.processMany ? groupCommit(deps.processMany, opts.groupCommitMax ?? 200) : (input: IntakeInput) => deps.process(input);
  const rate = connectionRate(opts.connectionsPerMinute ?? 60);
  const threshold = opts.spoolThresholdBytes ?? 1024 * 1024;
  const server = new SMTPServer({
    lmtp: opts.protocol === 'lmtp',
    size: opts.hardMaxBytes,
    maxClients: opts.maxClients ?? 20,
    authOptional: !opts.users,
    authMethods: ['PLAIN', 'LOGIN'],
    // Without TLS, AUTH is allowed in the clear: the README says to keep such a listener on a private network.
    allowInsecureAuth: !opts.tls,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    disabledCommands: [...(opts.users ? [] : ['AUTH']), ...(opts.tls ? [] : ['STARTTLS'])],
    banner: 'Redress complaints intake',
    logger: false,
    // On stop, clients still connected get this long (smtp-server's default is 30 s) so the worker ends within 10 s.
    closeTimeout: 3_000,
    onConnect(session, callback) {
      if (rate.admit(session.remoteAddress, deps.clock.now().getTime())) return callback();
      log.warn({ ip: session.remoteAddress }, 'connection refused: over the per-address connection rate');
      callback(smtpError(421, 'too many connections from your address, try again later'));
    },
    onAuth(auth, _session, callback) {
      if (opts.users && signInMatches(opts.users, auth)) return callback(null, { user: auth.username });
      log.warn({ user: auth.username }, 'AUTH refused');
      callback(smtpError(535, 'authentication failed'));
    },
    onData: (stream, session, callback) => {
      const receivedAt = deps.clock.now();
      receive(stream, opts, threshold)
        .then(async (spooled) => {
          try {
            if (stream.sizeExceeded) {
              log.warn({ session: session.id, bytes: stream.byteLength, limit: opts.hardMaxBytes }, 'message refused: over the hard size limit');
              return callback(smtpError(552, `message exceeds the ${opts.hardMaxBytes}-byte limit`));
            }
            const take = async () => {
              const received = await spooled.read();
              const mailFrom = envelopeFrom(session);
              const receiverAuth = opts.verifySenders
                ? await verifyAsReceiver(received, { ip: session.remoteAddress, helo: session.hostNameAppearsAs, mailFrom }, { ...opts.verifySenders, log })
                : undefined;
              return store({
                raw: withTrueReturnPath(received, mailFrom),
                receivedAt,
                source: opts.protocol,
                sourceRef: `${opts.protocol}:${session.id}`,
                envelopeFrom: mailFrom,
                ...(receiverAuth ? { receiverAuth } : {}),
              });
            };
            const outcome = spooled.size > threshold ? await processLargeOneAtATime(take) : await take();
            callback(null, `stored as ${outcome.inboundId}${outcome.caseReference ? ` (${outcome.caseReference})` : ''}`);
          } finally {
            await spooled.discard();
          }
        })
        .catch((err: unknown) => {
          log.error({ err, session: session.id }, 'intake failed; answering 451 so the sender retries');
          callback(smtpError(451, `temporary failure, try again later (${errorMessage(err).slice(0, 100)})`));
        });
    },
  });
  server.on('error', (err) => log.error({ err }, 'smtp server error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info({ host: opts.host, port, auth: Boolean(opts.users), tls: Boolean(opts.tls), verifiesSenders: Boolean(opts.verifySenders) }, `${opts.protocol} intake listening`);
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function receive(stream: SMTPServerDataStream, opts: SmtpSourceOptions, threshold: number) {
  return spoolMessage(stream, { dir: opts.spoolDir ?? 'spool', thresholdBytes: threshold, hardMaxBytes: opts.hardMaxBytes });
}

function signInMatches(users: ReadonlyMap<string, string>, auth: SMTPServerAuthentication): boolean {
  const expected = users.get(auth.username ?? '');
  if (expected === undefined || typeof auth.password !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.password);
  return a.length === b.length && timingSafeEqual(a, b);
}

function envelopeFrom(session: SMTPServerSession): string {
  return session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : '';
}

/**
 * Final delivery records the envelope sender (RFC 5321 4.4). Any Return-Path the message
 * already carries was written by the sender, not by us: it is dropped, so automatic
 * answers cannot be steered to a victim's address.
 */
export function withTrueReturnPath(raw: Buffer, mailFrom: string): Buffer {
  const end = headerEnd(raw);
  const header = raw.subarray(0, end).toString('latin1');
  const kept = header.replace(/^return-path:[^\n]*\n(?:[ \t][^\n]*\n)*/gim, '');
  return Buffer.concat([Buffer.from(`Return-Path: <${mailFrom}>\r\n`), Buffer.from(kept, 'latin1'), raw.subarray(end)]);
}

/** Offset just past the header block's last line end (the blank line stays with the body). */
function headerEnd(raw: Buffer): number {
  const i = raw.indexOf('\r\n\r\n');
  const j = raw.indexOf('\n\n');
  const ends = [i === -1 ? -1 : i + 2, j === -1 ? -1 : j + 1].filter((n) => n >= 0);
  return ends.length ? Math.min(...ends) : raw.length;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}
