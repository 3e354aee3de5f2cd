import type postgres from 'postgres';
import type { Db } from '../db/pool.ts';
import { OPEN_STATUSES } from '../vocabulary.ts';

export interface DigestCase {
  reference: string;
  priority: boolean;
  subject: string;
}
export interface DueRow extends DigestCase {
  kind: string;
  rule: string;
  due_at: Date;
}
export interface EscalationRow extends DigestCase {
  owner_role: string;
}
export interface MailRow {
  reference: string | null;
  priority: boolean;
  subject: string | null;
  detail: string | null;
  /** For held mail: why it was held, as classified. */
  reasons?: string[] | null;
  at: Date;
}

/** An email command that ran, from its receipt. */
export interface CommandRow {
  staff: string;
  reference: string | null;
  subject: string;
  at: Date;
}

export interface HeldAlertRow {
  sender: string;
  held: number;
}

/** The first rows of a section (priority first) and what the whole section holds. */
export interface Section<T> {
  rows: T[];
  total: number;
  /** Statuses of the cases behind the whole section; null for rows with no case. */
  statuses: (string | null)[];
}

export interface DigestFacts {
  commands: Section<CommandRow>;
  heldAlerts: Section<HeldAlertRow>;
  awaitingReview: Section<DueRow>;
  overdue: Section<DueRow>;
  dueToday: Section<DueRow>;
  escalations: Section<EscalationRow>;
  awaitingConfirmation: Section<DueRow>;
  adrHorizon: Section<DueRow>;
  deadlockRequests: Section<DigestCase>;
  bounces: Section<MailRow>;
  quarantined: Section<MailRow>;
  heldMail: Section<MailRow>;
  /** Priority cases among those awaiting review, due or escalated, each counted once. */
  priorityCases: number;
}

export interface DigestWindow {
  now: Date;
  /** Deadlines before this are due today (or overdue). */
  dueBefore: Date;
  /** ADR notices due by this are on the horizon. */
  horizon: Date;
  /** Mail since the previous digest. */
  since: Date;
}

const OPEN = [...OPEN_STATUSES];
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * Everything the digest reports as of `w.now`: per section at most `maxItems` rows,
 * priority first, and an exact count. At 100k open cases the full lists made a 438 KB
 * email nobody read; the counts stay exact, the lists stay short.
 */
export async function loadDigestFacts(db: Db, w: DigestWindow, maxItems: number): Promise<DigestFacts> {
  const section = <T>(columns: Fragment, from: Fragment, order: Fragment) => loadSection<T>(db, columns, from, order, maxItems);
  const dueColumns = db`c.reference, c.priority, c.subject, d.kind, d.rule, d.due_at`;
  // Each due deadline's case by its key: joined as sets, the planner hashed every case ever
  // (a sequential scan) to find the few with a deadline due; LIMIT keeps the lookup per row.
  const caseOfDeadline = db`cross join lateral (select reference, priority, subject, status from cases where id = d.case_id limit 1) c`;
  const dueFrom = (when: Fragment) => db`from deadlines d ${caseOfDeadline}
    where d.status = 'pending' and d.kind not in ('review', 'adr_warning') and ${when}`;
  const byDue = db`c.priority desc, d.due_at`;
  const mailColumns = db`c.reference, coalesce(c.priority, false) as priority`;
  const [commands, heldAlerts, awaitingReview, overdue, dueToday, escalations, awaitingConfirmation, adrHorizon, deadlockRequests, bounces, quarantined, heldMail, priorityCases] = await Promise.all([
    section<CommandRow>(db`o.to_addresses[1] as staff, c.reference, o.subject, o.created_at as at`, db`from outbound_messages o left join cases c on c.id = o.case_id
      where o.kind = 'command_receipt' and o.created_at >= ${w.since}`, db`o.to_addresses[1], o.created_at`),
    loadHeldAlerts(db, w.since, maxItems),
    section<DueRow>(dueColumns, db`from cases c join deadlines d on d.case_id = c.id and d.kind = 'review' and d.status = 'pending' where c.status = any(${OPEN})`, byDue),
    section<DueRow>(dueColumns, dueFrom(db`d.due_at <= ${w.now}`), byDue),
    section<DueRow>(dueColumns, dueFrom(db`d.due_at > ${w.now} and d.due_at < ${w.dueBefore}`), byDue),
    section<EscalationRow>(db`c.reference, c.priority, c.subject, c.owner_role`, db`from cases c where c.status = any(${OPEN}) and c.owner_role <> 'rep'`, db`c.priority desc, c.received_at`),
    section<DueRow>(dueColumns, db`from cases c join deadlines d on d.case_id = c.id and d.kind = 'closure' and d.status = 'pending' where c.status = 'awaiting_confirmation'`, byDue),
    section<DueRow>(dueColumns, db`from deadlines d ${caseOfDeadline} where d.status = 'pending' and d.kind = 'adr' and d.due_at <= ${w.horizon}`, byDue),
    section<DigestCase>(db`c.reference, c.priority, c.subject`, db`from cases c where c.status = any(${OPEN}) and c.deadlock_requested_at is not null and c.deadlock_decision is null`, db`c.priority desc, c.received_at`),
    section<MailRow>(db`${mailColumns}, o.subject, o.last_error as detail, o.created_at as at`, db`from outbound_messages o left join cases c on c.id = o.case_id
      where o.status in ('bounced', 'failed') and o.created_at >= ${w.since}`, db`coalesce(c.priority, false) desc, o.created_at`),
    section<MailRow>(db`${mailColumns}, i.subject, i.quarantine_reason as detail, i.received_at as at`, db`from inbound_messages i left join cases c on c.id = i.case_id
      where i.kind = 'quarantined' and i.received_at >= ${w.since}`, db`coalesce(c.priority, false) desc, i.received_at`),
    // Mail that concerns a case but may not act on it, forged staff commands, and reused Message-IDs.
    section<MailRow>(db`${mailColumns}, i.subject, null as detail, i.classification -> 'reasons' as reasons, i.received_at as at`, db`from inbound_messages i left join cases c on c.id = i.case_id
      where i.received_at >= ${w.since}
        and ((i.kind = 'other' and (i.case_id is not null or i.classification -> 'reasons' ? 'staff-auth-failed')) or i.collides_with is not null)`, db`coalesce(c.priority, false) desc, i.received_at`),
    countPriorityCases(db, w.dueBefore),
  ]);
  return { commands, heldAlerts, awaitingReview, overdue, dueToday, escalations, awaitingConfirmation, adrHorizon, deadlockRequests, bounces, quarantined, heldMail, priorityCases };
}

/** `from` must name the section's case `c` (joined or left-joined); `order` puts priority first where the section has cases. */
async function loadSection<T>(db: Db, columns: Fragment, from: Fragment, order: Fragment, maxItems: number): Promise<Section<T>> {
  const [rows, byStatus] = await Promise.all([
    db`select ${columns} ${from} order by ${order} limit ${maxItems}`,
    db<{ status: string | null; n: number }[]>`select c.status, count(*)::int as n ${from} group by c.status order by c.status`,
  ]);
  return { rows: rows as unknown as T[], total: byStatus.reduce((sum, s) => sum + s.n, 0), statuses: byStatus.map((s) => s.status) };
}

/** Staff alerts held back by the per-sender cap, one row per sender. */
async function loadHeldAlerts(db: Db, since: Date, maxItems: number): Promise<Section<HeldAlertRow>> {
  const held = db`from outbound_messages where about_sender is not null and kind = 'staff_alert' and status = 'suppressed' and created_at >= ${since}`;
  const [rows, [senders]] = await Promise.all([
    db<HeldAlertRow[]>`select about_sender as sender, count(*)::int as held ${held} group by about_sender order by count(*) desc, about_sender limit ${maxItems}`,
    db<[{ n: number }]>`select count(distinct about_sender)::int as n ${held}`,
  ]);
  return { rows, total: senders.n, statuses: [null] };
}

/** The same three sets as the sections that count them, so a case in two of them counts once. */
async function countPriorityCases(db: Db, dueBefore: Date): Promise<number> {
  const [row] = await db<[{ n: number }]>`
    select count(*)::int as n from cases c where c.priority and (
      (c.status = any(${OPEN}) and (c.owner_role <> 'rep'
        or exists (select 1 from deadlines d where d.case_id = c.id and d.kind = 'review' and d.status = 'pending')))
      or exists (select 1 from deadlines d where d.case_id = c.id and d.status = 'pending' and d.due_at < ${dueBefore}
        and d.kind not in ('review', 'adr_warning')))`;
  return row.n;
}

export async function lastDigestAt(db: Db): Promise<Date | undefined> {
  const [row] = await db<[{ sent_at: Date }?]>`select sent_at from digests order by day desc limit 1`;
  return row?.sent_at;
}

export async function digestSent(db: Db, day: string): Promise<boolean> {
  const rows = await db`select 1 from digests where day = ${day}`;
  return rows.length > 0;
}

/** Claims the day's digest; false when another worker (or an earlier run) already sent it. */
export async function claimDigestDay(db: Db, day: string, at: Date, counts: unknown): Promise<boolean> {
  const rows = await db`insert into digests (day, sent_at, counts) values (${day}, ${at}, ${db.json(counts as never)}) on conflict (day) do nothing returning day`;
  return rows.length > 0;
}
