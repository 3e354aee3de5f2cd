import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Names that hold a secret wherever they appear in a log object, one level down too. */
const SECRET_KEYS = ['password', 'pass', 'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'clientSecret', 'client_secret'];

/**
 * One root logger; components take `log.child({ component })`. Logs go to stderr so CLI JSON
 * stays clean on stdout (`destination` is for tests that read what was logged).
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { app: 'redress' },
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' },
    },
    destination,
  );
}
