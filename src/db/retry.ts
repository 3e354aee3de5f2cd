import { pause, type Stopwatch } from '../clock.ts';
import { errorMessage, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';

/** How long a step waits for the database to come back before it gives up. */
export interface OutageBudget {
  stopwatch: Stopwatch;
  maxMs: number;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/** Pure: the pause before attempt `n` (1-based) of a step the database refused. */
export function retryDelayMs(attempt: number): number {
  return Math.min(FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1), MAX_DELAY_MS);
}

/**
 * Runs `step` until it succeeds, retrying while the failure is the database's (down, a
 * dropped connection, a deadlock) and the budget lasts; `signal` gives up early (shutdown).
 * Used where giving up would leave work half-done, e.g. recording a message the relay took.
 */
export async function whileDatabaseDown<T>(step: () => Promise<T>, budget: OutageBudget, log: Logger, what: string, signal?: AbortSignal): Promise<T> {
  const started = budget.stopwatch.ms();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (err) {
      const waited = budget.stopwatch.ms() - started;
      if (!isRetryable(err) || waited >= budget.maxMs || signal?.aborted) throw err;
      const delayMs = retryDelayMs(attempt);
      log.warn({ err: errorMessage(err), attempt, waitedMs: Math.round(waited), retryInMs: delayMs }, `${what}: the database did not answer; trying again`);
      await pause(delayMs, signal);
    }
  }
}
