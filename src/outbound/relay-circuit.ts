/**
 * When to talk to the SMTP relay (pure; times are milliseconds from an injected stopwatch).
 *
 * closed:  send freely.
 * open:    the relay refused or stalled; send nothing until `retryAt`, then one probe.
 * probing: one probe is out; everything else waits for its answer.
 *
 * A probe that fails doubles the pause, from 1 s up to 30 s; any answer from the relay
 * closes the circuit again and the backlog drains at full speed.
 */
export type Circuit =
  | { mode: 'closed'; lastSuccessMs: number | null }
  | { mode: 'open'; sinceMs: number; retryAtMs: number; backoffMs: number }
  | { mode: 'probing'; sinceMs: number; backoffMs: number };

export type Gate = { action: 'send' } | { action: 'probe' } | { action: 'wait'; ms: number };

export const PAUSE_MIN_MS = 1_000;
export const PAUSE_MAX_MS = 30_000;

export function closedCircuit(): Circuit {
  return { mode: 'closed', lastSuccessMs: null };
}

/** What the send loop may do now. While a probe is out it waits until woken by the answer. */
export function gate(c: Circuit, nowMs: number): Gate {
  if (c.mode === 'closed') return { action: 'send' };
  if (c.mode === 'probing') return { action: 'wait', ms: PAUSE_MAX_MS };
  return nowMs >= c.retryAtMs ? { action: 'probe' } : { action: 'wait', ms: c.retryAtMs - nowMs };
}

export function probeStarted(c: Circuit): Circuit {
  return c.mode === 'open' ? { mode: 'probing', sinceMs: c.sinceMs, backoffMs: c.backoffMs } : c;
}

/** The relay answered (a message accepted, a reply about one recipient, or a probe). */
export function relayAnswered(nowMs: number): Circuit {
  return { mode: 'closed', lastSuccessMs: nowMs };
}

/**
 * A send failed at the connection (refused, timed out, dropped). If the relay delivered
 * something after this send began, the fault was this connection's: the circuit stays
 * closed. Otherwise the relay is taken to be down and sending pauses.
 */
export function relayFailed(c: Circuit, sendStartedMs: number, nowMs: number): Circuit {
  if (c.mode !== 'closed') return c;
  if (c.lastSuccessMs !== null && c.lastSuccessMs >= sendStartedMs) return c;
  return { mode: 'open', sinceMs: nowMs, retryAtMs: nowMs + PAUSE_MIN_MS, backoffMs: PAUSE_MIN_MS };
}

export function probeFailed(c: Circuit, nowMs: number): Circuit {
  const previous = c.mode === 'closed' ? PAUSE_MIN_MS / 2 : c.backoffMs;
  const backoffMs = Math.min(previous * 2, PAUSE_MAX_MS);
  const sinceMs = c.mode === 'closed' ? nowMs : c.sinceMs;
  return { mode: 'open', sinceMs, retryAtMs: nowMs + backoffMs, backoffMs };
}

/** Connection failures a message may have before its retries start to count. */
export const FREE_RELAY_RETRIES = 3;

/**
 * What to do with a send that failed but may succeed later. `relay`: the connection
 * failed, so the message goes back to the queue without spending one of its retries,
 * unless it has now failed FREE_RELAY_RETRIES times (then it may be the message that
 * breaks the connection, and pg-boss's counted retries and dead letter apply).
 * `message`: the relay answered 4xx about this message; pg-boss retries it alone, with backoff.
 */
export function retryRoute(scope: 'relay' | 'message' | 'aborted', attempts: number): 'release' | 'retry' {
  if (scope === 'aborted') return 'release';
  if (scope === 'relay' && attempts < FREE_RELAY_RETRIES) return 'release';
  return 'retry';
}
