import type { Db } from '../db/pool.ts';
import { REPORTED_DEADLINES } from './report.ts';

/**
 * The regulator's report in SQL aggregates: each function reads one thing about one period
 * [start, end) and returns a few rows, never a row per case, so the report stays fast on
 * 100k cases (indexes from 0007). Time is always a parameter, never now().
 */
export interface Period {
  start: Date;
  end: Date;
}

export interface ChannelCount {
  channel: string;
  n: number;
}

/** Complaints received in the period, by the channel they came by. */
export async function receivedByChannel(db: Db, p: Period): Promise<ChannelCount[]> {
  return db<ChannelCount[]>`
    select channel, count(*)::int as n from cases
    where received_at >= ${p.start} and received_at < ${p.end}
    group by channel`;
}

export interface DeadlineCount {
  kind: string;
  met: number;
  missed: number;
  /** Still pending and past due at `now`. */
  overdue: number;
  /** Seconds: the latest a missed deadline was kept, or an overdue one has waited so far. */
  worst_late_seconds: number | null;
}

/** Deadlines that fell due in the period, per kind: met, missed, and still overdue. */
export async function deadlinesDue(db: Db, p: Period, now: Date): Promise<DeadlineCount[]> {
  return db<DeadlineCount[]>`
    select kind,
      count(*) filter (where status = 'met')::int as met,
      count(*) filter (where status = 'missed')::int as missed,
      count(*) filter (where status = 'pending' and due_at < ${now})::int as overdue,
      max(extract(epoch from case when status = 'missed' then resolved_at else ${now}::timestamptz end - due_at))
        filter (where status = 'missed' or (status = 'pending' and due_at < ${now}))::float8 as worst_late_seconds
    from deadlines
    where due_at >= ${p.start} and due_at < ${p.end} and kind = any(${[...REPORTED_DEADLINES.map((d) => d.kind)]}::text[])
    group by kind`;
}

export interface Durations {
  cases: number;
  median_seconds: number | null;
  p95_seconds: number | null;
}

export interface TimesToAct {
  acknowledgement: Durations;
  outcome: Durations;
}

/** For complaints received in the period: time from receipt to acknowledgement (R1) and to the outcome (R10). */
export async function timesToAct(db: Db, p: Period): Promise<TimesToAct> {
  const [row] = await db<[Record<string, number | null>]>`
    select
      count(acknowledged_at)::int as ack_cases,
      percentile_cont(0.5) within group (order by extract(epoch from acknowledged_at - received_at)::float8) as ack_median,
      percentile_cont(0.95) within group (order by extract(epoch from acknowledged_at - received_at)::float8) as ack_p95,
      count(outcome_sent_at)::int as outcome_cases,
      percentile_cont(0.5) within group (order by extract(epoch from outcome_sent_at - received_at)::float8) as outcome_median,
      percentile_cont(0.95) within group (order by extract(epoch from outcome_sent_at - received_at)::float8) as outcome_p95
    from cases
    where received_at >= ${p.start} and received_at < ${p.end}`;
  return {
    acknowledgement: { cases: row.ack_cases ?? 0, median_seconds: row.ack_median ?? null, p95_seconds: row.ack_p95 ?? null },
    outcome: { cases: row.outcome_cases ?? 0, median_seconds: row.outcome_median ?? null, p95_seconds: row.outcome_p95 ?? null },
  };
}

export interface EightWeeks {
  resolved: number;
  not_resolved: number;
  not_yet_due: number;
}

/**
 * R14's 8 weeks for complaints received in the period (withdrawn ones aside): outcome given
 * within `adrDays` calendar days of receipt (same local clock time), past that without one,
 * or still inside the 8 weeks at `now`.
 */
export async function withinEightWeeks(db: Db, p: Period, now: Date, adrDays: number, timeZone: string): Promise<EightWeeks> {
  const [row] = await db<[EightWeeks]>`
    select
      count(*) filter (where outcome_sent_at <= eight_weeks)::int as resolved,
      count(*) filter (where (outcome_sent_at is null or outcome_sent_at > eight_weeks) and eight_weeks <= ${now})::int as not_resolved,
      count(*) filter (where outcome_sent_at is null and eight_weeks > ${now})::int as not_yet_due
    from (
      select outcome_sent_at, ((received_at at time zone ${timeZone}) + make_interval(days => ${adrDays})) at time zone ${timeZone} as eight_weeks
      from cases
      where received_at >= ${p.start} and received_at < ${p.end} and status <> 'withdrawn'
    ) c`;
  return row;
}

export interface KindCount {
  kind: string;
  n: number;
}

/** ADR notices (R14) and deadlock letters (R15) issued in the period; a notice held back by the daily cap was not issued. */
export async function lettersIssued(db: Db, p: Period): Promise<KindCount[]> {
  return db<KindCount[]>`
    select kind, count(*)::int as n from outbound_messages
    where kind in ('adr_notice', 'deadlock_letter') and created_at >= ${p.start} and created_at < ${p.end} and status <> 'suppressed'
    group by kind`;
}

export interface ReasonCount {
  reason: string;
  n: number;
}

/** Cases closed in the period, by how: confirmed (R11), no response (R12), withdrawn (R17). */
export async function closures(db: Db, p: Period): Promise<ReasonCount[]> {
  return db<ReasonCount[]>`
    select closure_reason as reason, count(*)::int as n from cases
    where closed_at >= ${p.start} and closed_at < ${p.end} and closure_reason is not null
    group by closure_reason`;
}
