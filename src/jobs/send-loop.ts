import type PgBoss from 'pg-boss';
import { pause } from '../clock.ts';
import { groupCommit } from '../db/group-commit.ts';
import { whileDatabaseDown } from '../db/retry.ts';
import { errorMessage, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import { closedCircuit, gate, probeFailed, probeStarted, relayAnswered, relayFailed, retryRoute, type Circuit } from '../outbound/relay-circuit.ts';
import { sendOutbound, sharedSendStore, type SendDeps, type SendOutcome } from './send-job.ts';
import { outboundIdOf, QUEUES, releaseJobs } from './boss.ts';

export interface SendLoopSettings {
  /** Jobs fetched per round. */
  batchSize: number;
  /** Sends at the relay at once: the SMTP pool's connections. Recording what was sent does not hold a connection. */
  concurrency: number;
  /** Fallback poll while the queue is empty; NOTIFY on each new send job usually wakes the loop first. */
  pollMs: number;
  /**
   * Longest a fetched job waits for a free connection before it is handed back (and fetched
   * afresh): well inside the job's expiry, so a slow relay never lets pg-boss expire a job
   * this worker still means to send, which another worker would then send too.
   */
  holdMs: number;
}

export interface SendLoopState {
  running: boolean;
  relay: Circuit['mode'];
  inFlight: number;
  /** In flight and at the relay (the rest are being recorded). */
  atRelay: number;
  /** Fetched, not yet started. */
  held: number;
  sent: number;
  retried: number;
  handedBack: number;
}

export interface SendLoop {
  /** New work may be queued: fetch now instead of at the next poll. */
  wake(): void;
  state(): SendLoopState;
  /**
   * Stops taking work at once and hands back what is fetched but not started; sends in
   * flight get `graceMs` to finish, then are cancelled and handed back too.
   */
  stop(graceMs: number): Promise<void>;
}

interface Flight {
  startedMs: number;
  abort: AbortController;
  done: Promise<void>;
}

type Job = PgBoss.Job<unknown>;

/** After cancelling, how long the cancelled sends get to hand their jobs back. */
const CANCEL_SETTLE_MS = 1_000;

/**
 * `redress start`'s send queue: fetch a batch, keep `concurrency` sends in flight, fetch
 * again at once while there is work, sleep only when the queue is empty. The relay's
 * health is the circuit's (relay-circuit.ts); this file only carries its decisions out.
 */
export function startSendLoop(deps: { boss: PgBoss; send: SendDeps; log: Logger }, settings: SendLoopSettings): SendLoop {
  const log = deps.log.child({ component: 'send-loop' });
  const now = () => deps.send.outage.stopwatch.ms();
  const stopping = new AbortController();
  // Past the grace period nothing waits for the database any more; pg-boss's expiry takes over.
  const giveUp = new AbortController();
  const held: Job[] = [];
  let heldSince = 0;
  const flights = new Map<string, Flight>();
  let atRelay = 0;
  const counts = { sent: 0, retried: 0, handedBack: 0 };
  const waker = createWaker();
  let circuit = closedCircuit();
  // Sends in flight side by side share their reads, their records and their job completions.
  const send: SendDeps = { ...deps.send, store: sharedSendStore(deps.send, settings.batchSize) };
  const complete = groupCommit(async (ids: readonly string[]) => {
    await deps.boss.complete(QUEUES.send, [...ids]);
    return ids.map(() => undefined);
  }, settings.batchSize);

  const settleJob = (what: string, step: () => Promise<unknown>): Promise<void> =>
    whileDatabaseDown(step, deps.send.outage, log, what, giveUp.signal).then(
      () => undefined,
      (err: unknown) => log.error({ err: errorMessage(err) }, `${what} failed; pg-boss will expire the job and retry it`),
    );

  const handBack = async (jobs: Job[]): Promise<void> => {
    if (jobs.length === 0) return;
    counts.handedBack += jobs.length;
    await settleJob(`handing back ${jobs.length} send job(s)`, () => releaseJobs(deps.send.sql, QUEUES.send, jobs.map((j) => j.id)));
  };

  async function step(): Promise<void> {
    const g = gate(circuit, now());
    if (g.action === 'wait') return waker.sleep(g.ms);
    if (g.action === 'probe') return probe();
    if (!roomToLaunch()) return waker.sleep(settings.pollMs);
    if (held.length > 0 && now() - heldSince > settings.holdMs) {
      log.info({ handedBack: held.length, waitedMs: Math.round(now() - heldSince) }, 'fetched sends waited too long for a connection: handed back to be fetched afresh before they expire');
      await handBack(held.splice(0));
    }
    if (held.length === 0) {
      const jobs = await deps.boss.fetch<unknown>(QUEUES.send, { batchSize: settings.batchSize });
      if (stopping.signal.aborted) return handBack(jobs);
      if (jobs.length === 0) return waker.sleep(settings.pollMs);
      held.push(...jobs);
      heldSince = now();
    }
    while (held.length > 0 && roomToLaunch()) launch(held.shift()!);
  }

  /** A free connection, and no more than a batch fetched and unfinished. */
  function roomToLaunch(): boolean {
    return atRelay < settings.concurrency && flights.size < settings.batchSize;
  }

  async function probe(): Promise<void> {
    circuit = probeStarted(circuit);
    try {
      await deps.send.sender.probe();
      circuit = relayAnswered(now());
      log.info('the relay answers again: sending resumes');
    } catch (err) {
      circuit = probeFailed(circuit, now());
      log.warn({ err: errorMessage(err), retryInMs: circuit.mode === 'open' ? circuit.backoffMs : undefined }, 'the relay still does not answer');
    }
  }

  function launch(job: Job): void {
    const flight: Flight = { startedMs: now(), abort: new AbortController(), done: Promise.resolve() };
    flights.set(job.id, flight);
    atRelay += 1;
    let leftRelay = false;
    // The connection is free once the relay has answered: the next send starts while this one is recorded.
    const relayDone = () => {
      if (leftRelay) return;
      leftRelay = true;
      atRelay -= 1;
      waker.wake();
    };
    flight.done = work(job, flight, relayDone).finally(() => {
      relayDone();
      flights.delete(job.id);
      waker.wake();
    });
  }

  async function work(job: Job, flight: Flight, relayDone: () => void): Promise<void> {
    let outcome: SendOutcome;
    try {
      outcome = await sendOutbound(send, outboundIdOf(job), { jobId: job.id, signal: flight.abort.signal, relayDone });
    } catch (err) {
      if (isRetryable(err)) {
        log.warn({ err: errorMessage(err), jobId: job.id }, 'send not attempted: the database failed; the job goes back to the queue');
        return handBack([job]);
      }
      log.error({ err: errorMessage(err), jobId: job.id }, 'send job failed');
      return settleJob(`failing send job ${job.id}`, () => deps.boss.fail(QUEUES.send, job.id, { message: errorMessage(err) }));
    }
    return settle(job, flight, outcome);
  }

  async function settle(job: Job, flight: Flight, outcome: SendOutcome): Promise<void> {
    if (outcome.status !== 'retry') {
      if (outcome.status === 'sent') {
        counts.sent += 1;
        circuit = relayAnswered(now());
      }
      return settleJob(`completing send job ${job.id}`, () => complete(job.id));
    }
    counts.retried += 1;
    if (outcome.scope === 'message') circuit = relayAnswered(now());
    if (outcome.scope === 'relay') relayDidNotAnswer(flight.startedMs);
    if (!flight.abort.signal.aborted && retryRoute(outcome.scope, outcome.attempts) === 'retry') {
      return settleJob(`failing send job ${job.id}`, () => deps.boss.fail(QUEUES.send, job.id, { message: outcome.error.message }));
    }
    return handBack([job]);
  }

  function relayDidNotAnswer(sendStartedMs: number): void {
    const next = relayFailed(circuit, sendStartedMs, now());
    if (circuit.mode === 'closed' && next.mode === 'open') {
      log.warn({ handedBack: held.length }, 'the relay does not answer: sending paused, probing from 1 s backing off to 30 s');
      void handBack(held.splice(0));
    }
    circuit = next;
  }

  const settled = (ms: number) => Promise.race([Promise.all([...flights.values()].map((f) => f.done)), pause(ms)]);

  void (async () => {
    while (!stopping.signal.aborted) {
      try {
        await step();
      } catch (err) {
        log.error({ err: errorMessage(err) }, 'send loop step failed; trying again after the poll interval');
        await waker.sleep(settings.pollMs);
      }
    }
  })();

  return {
    wake: () => waker.wake(),
    state: () => ({ running: !stopping.signal.aborted, relay: circuit.mode, inFlight: flights.size, atRelay, held: held.length, ...counts }),
    async stop(graceMs) {
      stopping.abort();
      waker.wake();
      const unstarted = handBack(held.splice(0));
      await settled(graceMs);
      if (flights.size > 0) log.warn({ inFlight: flights.size }, 'sends still in flight after the grace period: cancelling them and handing them back');
      for (const f of flights.values()) f.abort.abort();
      await settled(CANCEL_SETTLE_MS);
      giveUp.abort();
      await Promise.race([Promise.all([unstarted, settled(CANCEL_SETTLE_MS)]), pause(CANCEL_SETTLE_MS)]);
    },
  };
}

/** A sleep that `wake()` cuts short; a wake while awake makes the next sleep return at once. */
function createWaker() {
  let woken = false;
  let cut: AbortController | undefined;
  return {
    wake() {
      woken = true;
      cut?.abort();
    },
    async sleep(ms: number) {
      if (!woken) {
        cut = new AbortController();
        await pause(ms, cut.signal);
        cut = undefined;
      }
      woken = false;
    },
  };
}
