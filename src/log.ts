import { pino, type Logger } from 'pino';

export type { Logger };

/** One root logger; components take `log.child({ component })`. Logs go to stderr so CLI JSON stays clean on stdout. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { app: 'redress' },
      redact: { paths: ['password', '*.password', 'auth.pass', 'token', '*.token'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}
