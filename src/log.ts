import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Names that hold a secret wherever they appear in a log object, one level down too. */
const SECRET_KEYS = ['password', 'pass', 'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'clientSecret', 'client_secret'];

/**
 * One root logger; components take `log.child({ component })`. Logs go to stderr so CLI JSON
 * stays clean on stdout: JSON lines for a collector, or readable lines for a person at a
 * terminal (`auto` decides by whether stderr is one). `to` replaces stderr (a progress bar's
 * sink, or a test that reads what was logged).
 */
export function createLogger(level: string, format: LogFormat = 'json', to?: LogSink): Logger {
  return pino(
    {
      level,
      base: { app: 'redress' },
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' },
    },
    destination(readable(format, process.stderr.isTTY === true), to),
  );
}

/** Whether logs are for a person: asked for, or `auto` with stderr on a terminal. */
export function readable(format: LogFormat, stderrIsTerminal: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stderrIsTerminal);
}

/** Where log lines go instead of stderr, e.g. above a progress bar. */
export type LogSink = NodeJS.WritableStream;

function destination(pretty: boolean, to: LogSink | undefined): DestinationStream {
  if (!pretty) return to ?? pino.destination(2);
  // In-process and synchronous: no worker thread, and nothing left unwritten at exit.
  return PinoPretty({ destination: to ?? 2, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' });
}
