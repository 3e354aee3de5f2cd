/**
 * The one error type. `code` is stable (logs, metrics, quarantine reasons); `retryable`
 * says whether trying the same thing again later may succeed.
 */
export type ErrorCode =
  | 'config'
  | 'db'
  | 'migration'
  | 'imap'
  | 'smtp'
  | 'oauth2'
  | 'parse'
  | 'limit'
  | 'not_found'
  | 'invalid_input'
  | 'forbidden'
  | 'conflict'
  | 'refused'
  | 'send_failed';

export class RedressError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { retryable?: boolean; cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RedressError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.context = opts.context ?? {};
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const RETRYABLE_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);

/** Database down, a dropped connection, a serialization failure or deadlock: worth trying again later. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RedressError) return err.retryable;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return RETRYABLE_CODES.has(code) || /^(08|40|53)...$|^57P0[123]$/.test(code);
}
