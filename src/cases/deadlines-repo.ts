import { jsonb } from '../db/json.ts';
import type { Db, Tx } from '../db/pool.ts';
import type { DeadlineState } from './world.ts';

/** Every statement on `deadlines`. */

/** A deadline row: `id` absent for one not yet stored. */
export type DeadlineRow = DeadlineState;

export async function pendingDeadlines(db: Db, caseIds: readonly bigint[]): Promise<DeadlineRow[]> {
  if (caseIds.length === 0) return [];
  const rows = await db<{ id: bigint; case_id: bigint; kind: string; rule: string; due_at: Date; created_at: Date }[]>`
    select id, case_id, kind, rule, due_at, created_at from deadlines
    where case_id = any(${caseIds.map(String)}::bigint[]) and status = 'pending' order by case_id, id`;
  return rows.map((r) => ({ id: r.id, caseId: r.case_id, kind: r.kind, rule: r.rule, dueAt: r.due_at, status: 'pending', createdAt: r.created_at, resolvedAt: null }));
}

/**
 * Resolutions first (freeing the one-pending-per-kind slot), then new deadlines, one
 * statement each. A deadline set and resolved within one batch is inserted resolved.
 */
export function writeDeadlines(tx: Tx, rows: readonly DeadlineRow[]): Promise<unknown>[] {
  const out: Promise<unknown>[] = [];
  const resolved = rows.filter((r) => r.id !== undefined && r.status !== 'pending');
  if (resolved.length > 0) {
    const json = jsonb(resolved.map((r) => ({ id: String(r.id), status: r.status, resolved_at: r.resolvedAt })));
    out.push(tx`
      update deadlines d set status = v.status, resolved_at = v.resolved_at
      from jsonb_to_recordset(${json}::jsonb) as v(id bigint, status text, resolved_at timestamptz)
      where d.id = v.id and d.status = 'pending'`);
  }
  const inserted = rows.filter((r) => r.id === undefined);
  if (inserted.length > 0) {
    const json = jsonb(inserted.map((r) => ({ case_id: String(r.caseId), rule: r.rule, kind: r.kind, due_at: r.dueAt, status: r.status, created_at: r.createdAt, resolved_at: r.resolvedAt })));
    out.push(tx`
      insert into deadlines (case_id, rule, kind, due_at, status, created_at, resolved_at)
      select case_id, rule, kind, due_at, status, created_at, resolved_at
      from jsonb_to_recordset(${json}::jsonb) as v(case_id bigint, rule text, kind text, due_at timestamptz, status text, created_at timestamptz, resolved_at timestamptz)`);
  }
  return out;
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
