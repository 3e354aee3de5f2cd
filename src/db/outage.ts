import type { Stopwatch } from '../clock.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Sql } from './pool.ts';

/** What the worker knows of the database from its periodic checks (times from a stopwatch). */
export interface DbHealth {
  /** When the current run of failed (or unanswered) checks began; null while the database answers. */
  failingSinceMs: number | null;
}

export interface DbVerdict {
  up: boolean;
  downForMs: number;
  /** Down longer than the budget: stop, so a supervisor restarts the worker. */
  giveUp: boolean;
}

/** Pure: the health after a check that began at `startedMs` answered (or failed). */
export function afterCheck(h: DbHealth, ok: boolean, startedMs: number): DbHealth {
  return { failingSinceMs: ok ? null : (h.failingSinceMs ?? startedMs) };
}

/** Pure: a check still unanswered after `hungAfterMs` counts as failing from when it began. */
export function dbVerdict(h: DbHealth, pendingSinceMs: number | null, nowMs: number, hungAfterMs: number, maxOutageMs: number): DbVerdict {
  const hung = pendingSinceMs !== null && nowMs - pendingSinceMs >= hungAfterMs ? pendingSinceMs : null;
  const since = h.failingSinceMs ?? hung;
  if (since === null) return { up: true, downForMs: 0, giveUp: false };
  const downForMs = nowMs - since;
  return { up: false, downForMs, giveUp: downForMs > maxOutageMs };
}

export interface DatabaseWatch {
  state(): DbVerdict;
  stop(): void;
}

export interface WatchOptions {
  intervalMs: number;
  maxOutageMs: number;
  onRecovered(): void;
  onGiveUp(reason: string): void;
}

/**
 * Checks the database every `intervalMs`. The worker rides out an outage (intake answers
 * 451 or retries IMAP, sends wait); past `maxOutageMs` it is told to give up, once.
 */
export function watchDatabase(sql: Sql, deps: { stopwatch: Stopwatch; log: Logger }, opts: WatchOptions): DatabaseWatch {
  const log = deps.log.child({ component: 'database-watch' });
  let health: DbHealth = { failingSinceMs: null };
  let pendingSinceMs: number | null = null;
  let wasUp = true;
  let gaveUp = false;
  const verdict = () => dbVerdict(health, pendingSinceMs, deps.stopwatch.ms(), opts.intervalMs, opts.maxOutageMs);

  const judge = () => {
    const v = verdict();
    if (!v.up && wasUp) log.warn('the database does not answer: intake and sends wait for it');
    if (v.up && !wasUp) {
      log.info('the database answers again');
      opts.onRecovered();
    }
    wasUp = v.up;
    if (v.giveUp && !gaveUp) {
      gaveUp = true;
      opts.onGiveUp(`the database has not answered for ${Math.round(v.downForMs / 1000)} s, more than DB_OUTAGE_MAX_SECONDS (${opts.maxOutageMs / 1000}): stopping so a supervisor can restart the worker`);
    }
  };

  const check = () => {
    if (pendingSinceMs === null) {
      const started = deps.stopwatch.ms();
      pendingSinceMs = started;
      sql`select 1`.then(
        () => settle(true, started),
        (err: unknown) => {
          log.debug({ err: errorMessage(err) }, 'database check failed');
          settle(false, started);
        },
      );
    }
    judge();
  };
  const settle = (ok: boolean, started: number) => {
    pendingSinceMs = null;
    health = afterCheck(health, ok, started);
    judge();
  };

  const timer = setInterval(check, opts.intervalMs);
  return { state: verdict, stop: () => clearInterval(timer) };
}
