/** All business time comes from a Clock, so tests and replays can pin it (REDRESS_NOW). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw new Error(`fixedClock: not a date: ${String(at)}`);
  return { now: () => new Date(instant) };
}

/** A clock tests can move forward by hand. */
export function manualClock(start: Date | string): Clock & { set(at: Date | string): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

export function clockFromConfig(redressNow: string | undefined): Clock {
  return redressNow ? fixedClock(redressNow) : systemClock;
}

/**
 * Elapsed time for timeouts, backoff and outage budgets: monotonic, and never pinned by
 * REDRESS_NOW (a pinned business clock would make every wait endless).
 */
export interface Stopwatch {
  /** Milliseconds from an arbitrary origin. */
  ms(): number;
}

export const systemStopwatch: Stopwatch = { ms: () => performance.now() };

/** Waits `ms`, or less if `signal` aborts first (never rejects). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
