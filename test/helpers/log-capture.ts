import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { createLogger, type Logger } from '../../src/log.ts';

/** The product's logger (its redaction included) writing into memory, so a test can read every line. */
export function captureLog(level = 'trace'): { log: Logger; text(): string } {
  const chunks: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) });
  return { log: createLogger(level, 'json', sink), text: () => chunks.join('') };
}

/** None of `secrets` appears in `text` (a log, an error message). */
export function expectNoSecrets(text: string, secrets: string[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text.includes(secret), `a secret (${secret.slice(0, 8)}...) appears in the text`).toBe(false);
}
