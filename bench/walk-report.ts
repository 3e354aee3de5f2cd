import type { Sql } from '../src/db/pool.ts';
import { ACTIONABLE_DEADLINES } from '../src/policy/deadlines.ts';

/** What the database says after the walk: mail per kind, deadlines per status, and every deadline missed. */

export interface MissedDeadline {
  reference: string;
  kind: string;
  rule: string;
  status: string;
  dueAt: string;
  resolvedAt: string | null;
  lateSeconds: number;
  /** True for update/closure/adr/adr_warning, which run-due keeps itself; false for staff obligations (ack, review, engineering_*, director). */
  systemKept: boolean;
}

export interface WalkFacts {
  outbound: { kind: string; status: string; n: number }[];
  sentByKind: Record<string, number>;
  deadlines: { kind: string; status: string; n: number }[];
  deadlinesByStatus: Record<string, number>;
  missed: MissedDeadline[];
  /** Latest a system-kept deadline was kept (met), in seconds after its due time. */
  maxLatenessMetSeconds: number;
  cases: { status: string; closure_reason: string | null; n: number }[];
  inbound: Record<string, number>;
}

export async function walkFacts(sql: Sql, end: Date, graceSeconds: number): Promise<WalkFacts> {
  const outbound = await sql<{ kind: string; status: string; n: number }[]>`
    select kind, status, count(*)::int as n from outbound_messages group by kind, status order by kind, status`;
  const deadlines = await sql<{ kind: string; status: string; n: number }[]>`
    select kind, status, count(*)::int as n from deadlines group by kind, status order by kind, status`;
  const cutoff = new Date(end.getTime() - graceSeconds * 1000);
  const missedRows = await sql<{ reference: string; kind: string; rule: string; status: string; due_at: Date; resolved_at: Date | null }[]>`
    select c.reference, d.kind, d.rule, d.status, d.due_at, d.resolved_at
    from deadlines d join cases c on c.id = d.case_id
    where d.status = 'missed' or (d.status = 'pending' and d.due_at < ${cutoff})
    order by d.due_at`;
  const [late] = await sql<[{ s: number | null }]>`
    select max(extract(epoch from resolved_at - due_at))::float8 as s from deadlines
    where status = 'met' and kind = any(${ACTIONABLE_DEADLINES as string[]})`;
  const cases = await sql<{ status: string; closure_reason: string | null; n: number }[]>`
    select status, closure_reason, count(*)::int as n from cases group by status, closure_reason order by status, closure_reason`;
  const inbound = await sql<{ kind: string; n: number }[]>`select kind, count(*)::int as n from inbound_messages group by kind order by kind`;
  const missed = missedRows.map((r) => {
    const until = r.status === 'missed' && r.resolved_at ? r.resolved_at : end;
    return {
      reference: r.reference,
      kind: r.kind,
      rule: r.rule,
      status: r.status,
      dueAt: r.due_at.toISOString(),
      resolvedAt: r.resolved_at?.toISOString() ?? null,
      lateSeconds: Math.round((until.getTime() - r.due_at.getTime()) / 1000),
      systemKept: (ACTIONABLE_DEADLINES as readonly string[]).includes(r.kind),
    };
  });
  return {
    outbound,
    sentByKind: sumBy(outbound.filter((o) => o.status === 'sent'), (o) => o.kind),
    deadlines,
    deadlinesByStatus: sumBy(deadlines, (d) => d.status),
    missed,
    maxLatenessMetSeconds: Math.round(late.s ?? 0),
    cases,
    inbound: Object.fromEntries(inbound.map((r) => [r.kind, r.n])),
  };
}

function sumBy<T extends { n: number }>(rows: T[], key: (r: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + r.n;
  return out;
}

/** Rows of kind x status with one column per status, for printing. */
export function pivot(rows: { kind: string; status: string; n: number }[], statuses: string[]): Record<string, string | number>[] {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return kinds.map((kind) => {
    const row: Record<string, string | number> = { kind };
    let total = 0;
    for (const s of statuses) {
      const n = rows.find((r) => r.kind === kind && r.status === s)?.n ?? 0;
      row[s] = n || '';
      total += n;
    }
    row.total = total;
    return row;
  });
}
