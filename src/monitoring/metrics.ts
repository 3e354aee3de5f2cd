import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/pool.ts';
import type { IntakeObserver } from '../intake/intake.ts';
import type { SendObserver } from '../jobs/send-job.ts';
import { collectCounts, overdueDeadlines, sendQueueDepth } from './counts.ts';

/** Seconds from arrival to commit: milliseconds over SMTP, a poll interval over IMAP, days after an outage. */
const INTAKE_LAG_BUCKETS = [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86_400];
/** Seconds from queued to sent: the pg-boss poll, then minutes to hours of retries with backoff. */
const SEND_LATENCY_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 15, 60, 300, 900, 3600, 6 * 3600];

/** The histograms a process fills as messages commit and sends complete; handed to intake and send as their observer. */
export interface PipelineMetrics extends IntakeObserver, SendObserver {
  registry: Registry;
}

export function createPipelineMetrics(): PipelineMetrics {
  const registry = new Registry();
  const intakeLag = new Histogram({
    name: 'redress_intake_lag_seconds',
    help: 'From arrival (IMAP INTERNALDATE or SMTP session time) to the commit of the stored message, by source.',
    labelNames: ['source'],
    buckets: INTAKE_LAG_BUCKETS,
    registers: [registry],
  });
  const sendLatency = new Histogram({
    name: 'redress_send_latency_seconds',
    help: 'From queued to sent (handed to the SMTP server or written to the outbox), by message kind.',
    labelNames: ['kind'],
    buckets: SEND_LATENCY_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    messageCommitted: (source, receivedAt, committedAt) => intakeLag.observe({ source }, secondsBetween(receivedAt, committedAt)),
    messageSent: (kind, queuedAt, sentAt) => sendLatency.observe({ kind }, secondsBetween(queuedAt, sentAt)),
  };
}

/** A clock pinned in the past (REDRESS_NOW) or a server clock ahead of ours must not record negative time. */
function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}

/** Gauges read from the database at scrape time, so every worker (and `redress stats`) reports the same truth. */
export interface DatabaseGauges {
  registry: Registry;
  refresh(db: Db, now: Date): Promise<void>;
}

export function createDatabaseGauges(): DatabaseGauges {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const inbound = gauge('redress_inbound_messages', 'Stored inbound messages by kind.', ['kind']);
  const cases = gauge('redress_cases', 'Cases by status.', ['status']);
  const outbound = gauge('redress_outbound_messages', 'Outbound messages by status.', ['status']);
  const overdue = gauge('redress_deadlines_overdue', 'Pending deadlines past due, by kind and POLICY.md rule.', ['kind', 'rule']);
  const dead = gauge('redress_dead_letters', 'Sends that failed for good.');
  const queue = gauge('redress_send_queue_jobs', 'Jobs in the pg-boss send queue and its dead-letter queue, by state.', ['queue', 'state']);
  return {
    registry,
    refresh: async (db, now) => {
      const [counts, overdueRows, queueRows] = await Promise.all([collectCounts(db, now), overdueDeadlines(db, now), sendQueueDepth(db)]);
      // Reset first: a status that no longer occurs must drop out, not keep its last value.
      setAll(inbound, Object.entries(counts.inbound_by_kind).map(([kind, n]) => [{ kind }, n]));
      setAll(cases, Object.entries(counts.cases_by_status).map(([status, n]) => [{ status }, n]));
      setAll(outbound, Object.entries(counts.outbound_by_status).map(([status, n]) => [{ status }, n]));
      setAll(overdue, overdueRows.map(({ kind, rule, n }) => [{ kind, rule }, n]));
      setAll(queue, queueRows.map(({ queue: name, state, n }) => [{ queue: name, state }, n]));
      dead.set(counts.dead_letters);
    },
  };
}

function setAll(g: Gauge, values: [Record<string, string>, number][]): void {
  g.reset();
  for (const [labels, n] of values) g.set(labels, n);
}

/** Node's process metrics (CPU, memory, event loop lag, GC, handles), for the worker's /metrics only. */
export function createProcessMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
