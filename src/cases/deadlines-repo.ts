import type { Db } from '../db/pool.ts';
import type { DeadlineChange, StoredDeadline } from '../policy/deadlines.ts';

export async function pendingDeadlines(db: Db, caseId: bigint): Promise<StoredDeadline[]> {
  const rows = await db<{ id: bigint; kind: string; due_at: Date }[]>`
    select id, kind, due_at from deadlines where case_id = ${caseId} and status = 'pending'`;
  return rows.map((r) => ({ id: r.id, kind: r.kind, dueAt: r.due_at }));
}

/** Applies a reconciliation: resolutions first (freeing the one-pending-per-kind slot), then new deadlines, one statement each. */
export async function applyDeadlineChanges(db: Db, caseId: bigint, changes: DeadlineChange[], now: Date): Promise<void> {
  const resolved = changes.flatMap((c) => (c.op === 'resolve' ? [{ id: c.id.toString(), status: c.status }] : []));
  if (resolved.length > 0) {
    await db`
      update deadlines d set status = r.status, resolved_at = ${now}
      from (select * from jsonb_to_recordset(${db.json(resolved as never)}) as x(id bigint, status text)) r
      where d.id = r.id and d.status = 'pending'`;
  }
  const inserted = changes.flatMap((c) => (c.op === 'insert' ? [{ case_id: caseId, rule: c.rule, kind: c.kind, due_at: c.dueAt, created_at: now }] : []));
  if (inserted.length > 0) await db`insert into deadlines ${db(inserted)}`;
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
