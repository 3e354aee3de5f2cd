import type { Db } from '../db/pool.ts';
import { QUEUES } from '../jobs/boss.ts';

/** The JSON shape `redress stats --json` prints: a public interface, add fields, never rename. */
export interface Counts {
  inbound_by_kind: Record<string, number>;
  cases_by_status: Record<string, number>;
  outbound_by_status: Record<string, number>;
  deadlines_overdue_by_kind: Record<string, number>;
  dead_letters: number;
  quarantined: number;
}

interface Row {
  k: string;
  n: number;
}

/** Read from the database, so every worker (and the CLI) reports the same truth. */
export async function collectCounts(db: Db, now: Date): Promise<Counts> {
  const grouped = async (rows: Promise<Row[]>) => Object.fromEntries((await rows).map((r) => [r.k, r.n]));
  const [inbound, cases, outbound, overdue, [dead]] = await Promise.all([
    grouped(db<Row[]>`select kind as k, count(*)::int as n from inbound_messages group by kind`),
    grouped(db<Row[]>`select status as k, count(*)::int as n from cases group by status`),
    grouped(db<Row[]>`select status as k, count(*)::int as n from outbound_messages group by status`),
    grouped(db<Row[]>`select kind as k, count(*)::int as n from deadlines where status = 'pending' and due_at < ${now} group by kind`),
    db<[{ n: number }]>`select count(*)::int as n from dead_letters`,
  ]);
  return {
    inbound_by_kind: inbound,
    cases_by_status: cases,
    outbound_by_status: outbound,
    deadlines_overdue_by_kind: overdue,
    dead_letters: dead.n,
    quarantined: inbound.quarantined ?? 0,
  };
}

/** Pending deadlines past due, by kind and the POLICY.md rule it keeps. */
export async function overdueDeadlines(db: Db, now: Date): Promise<{ kind: string; rule: string; n: number }[]> {
  return db<{ kind: string; rule: string; n: number }[]>`
    select kind, rule, count(*)::int as n from deadlines
    where status = 'pending' and due_at < ${now} group by kind, rule order by kind, rule`;
}

/**
 * Jobs in the send queue and its dead-letter queue by pg-boss state. pg-boss 10 offers no
 * count by state, so this reads its job table (schema `pgboss`, the default we run with).
 */
export async function sendQueueDepth(db: Db): Promise<{ queue: string; state: string; n: number }[]> {
  return db<{ queue: string; state: string; n: number }[]>`
    select name as queue, state::text as state, count(*)::int as n from pgboss.job
    where name in (${QUEUES.send}, ${QUEUES.sendDead}) group by name, state order by name, state`;
}
