import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Clock } from '../clock.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ProcessMessage } from './types.ts';

export interface SmtpSourceOptions {
  host: string;
  port: number;
  protocol: 'smtp' | 'lmtp';
  /** Past this the message is refused (552); below it, oversized mail is stored raw and quarantined by the intake. */
  hardMaxBytes: number;
}

export interface SmtpSource {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Inbound SMTP/LMTP for deployments where the MTA delivers straight to us. The 250 is
 * given only after the intake transaction commits; any failure answers 451 so the
 * sending MTA keeps the message and retries.
 */
export async function startSmtpSource(deps: { clock: Clock; log: Logger; process: ProcessMessage }, opts: SmtpSourceOptions): Promise<SmtpSource> {
  const log = deps.log.child({ component: `${opts.protocol}-intake` });
  const server = new SMTPServer({
    lmtp: opts.protocol === 'lmtp',
    size: opts.hardMaxBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    banner: 'Redress complaints intake',
    logger: false,
    // On stop, clients still connected get this long (smtp-server's default is 30 s) so the worker ends within 10 s.
    closeTimeout: 3_000,
    onData: (stream, session, callback) => {
      const receivedAt = deps.clock.now();
      receive(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) {
            log.warn({ session: session.id, bytes: stream.byteLength, limit: opts.hardMaxBytes }, 'message refused: over the hard size limit');
            return callback(smtpError(552, `message exceeds the ${opts.hardMaxBytes}-byte limit`));
          }
          const outcome = await deps.process({
            raw: withReturnPath(raw, session),
            receivedAt,
            source: opts.protocol,
            sourceRef: `${opts.protocol}:${session.id}`,
            envelopeFrom: envelopeFrom(session),
          });
          callback(null, `stored as ${outcome.inboundId}${outcome.caseReference ? ` (${outcome.caseReference})` : ''}`);
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
  log.info({ host: opts.host, port }, `${opts.protocol} intake listening`);
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function receive(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function envelopeFrom(session: SMTPServerSession): string {
  return session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : '';
}

/** Final delivery records the envelope sender (RFC 5321 4.4); a null sender is how bounces are told apart. */
function withReturnPath(raw: Buffer, session: SMTPServerSession): Buffer {
  if (/^return-path:/im.test(raw.subarray(0, headerEnd(raw)).toString('latin1'))) return raw;
  return Buffer.concat([Buffer.from(`Return-Path: <${envelopeFrom(session)}>\r\n`), raw]);
}

function headerEnd(raw: Buffer): number {
  const i = raw.indexOf('\r\n\r\n');
  const j = raw.indexOf('\n\n');
  const ends = [i, j].filter((n) => n >= 0);
  return ends.length ? Math.min(...ends) : raw.length;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}
