import type { Db } from '../db/pool.ts';
import type { DeadlineChange, StoredDeadline } from '../policy/deadlines.ts';

export async function pendingDeadlines(db: Db, caseId: bigint): Promise<StoredDeadline[]> {
  const rows = await db<{ id: bigint; kind: string; due_at: Date }[]>`
    select id, kind, due_at from deadlines where case_id = ${caseId} and status = 'pending'`;
  return rows.map((r) => ({ id: r.id, kind: r.kind, dueAt: r.due_at }));
}

export async function applyDeadlineChange(db: Db, caseId: bigint, change: DeadlineChange, now: Date): Promise<void> {
  if (change.op === 'insert') {
    await db`insert into deadlines (case_id, rule, kind, due_at, created_at) values (${caseId}, ${change.rule}, ${change.kind}, ${change.dueAt}, ${now})`;
  } else {
    await db`update deadlines set status = ${change.status}, resolved_at = ${now} where id = ${change.id} and status = 'pending'`;
  }
}

export interface DueDeadline {
  id: bigint;
  caseId: bigint;
  kind: string;
  dueAt: Date;
}

/** Pending deadlines of the given kinds due by `now`, oldest first. */
export async function dueDeadlines(db: Db, kinds: readonly string[], now: Date, limit: number): Promise<DueDeadline[]> {
  const rows = await db<{ id: bigint; case_id: bigint; kind: string; due_at: Date }[]>`
    select id, case_id, kind, due_at from deadlines
    where status = 'pending' and kind = any(${kinds as string[]}) and due_at <= ${now}
    order by due_at, id limit ${limit}`;
  return rows.map((r) => ({ id: r.id, caseId: r.case_id, kind: r.kind, dueAt: r.due_at }));
}
