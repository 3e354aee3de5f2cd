import type { Db } from '../db/pool.ts';

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

export interface DigestFacts {
  commands: CommandRow[];
  heldAlerts: HeldAlertRow[];
  awaitingReview: DueRow[];
  due: DueRow[];
  escalations: EscalationRow[];
  awaitingConfirmation: DueRow[];
  adrHorizon: DueRow[];
  deadlockRequests: DigestCase[];
  bounces: MailRow[];
  quarantined: MailRow[];
  heldMail: MailRow[];
}

const OPEN = ['new', 'open', 'awaiting_confirmation'];

/** Everything the digest reports, as of `now`; mail since `since` (the previous digest). */
export async function loadDigestFacts(db: Db, now: Date, dueBefore: Date, horizon: Date, since: Date): Promise<DigestFacts> {
  const [commands, heldAlerts, awaitingReview, due, escalations, awaitingConfirmation, adrHorizon, deadlockRequests, bounces, quarantined, heldMail] = await Promise.all([
    db<CommandRow[]>`
      select o.to_addresses[1] as staff, c.reference, o.subject, o.created_at as at
      from outbound_messages o left join cases c on c.id = o.case_id
      where o.kind = 'command_receipt' and o.created_at >= ${since} order by o.to_addresses[1], o.created_at`,
    db<HeldAlertRow[]>`
      select about_sender as sender, count(*)::int as held from outbound_messages
      where about_sender is not null and kind = 'staff_alert' and status = 'suppressed' and created_at >= ${since}
      group by about_sender order by count(*) desc, about_sender`,
    db<DueRow[]>`
      select c.reference, c.priority, c.subject, d.kind, d.rule, d.due_at
      from cases c join deadlines d on d.case_id = c.id and d.kind = 'review' and d.status = 'pending'
      where c.status = any(${OPEN}) order by c.priority desc, d.due_at`,
    db<DueRow[]>`
      select c.reference, c.priority, c.subject, d.kind, d.rule, d.due_at
      from deadlines d join cases c on c.id = d.case_id
      where d.status = 'pending' and d.due_at < ${dueBefore} and d.kind not in ('review', 'adr_warning')
      order by c.priority desc, d.due_at`,
    db<EscalationRow[]>`
      select reference, priority, subject, owner_role from cases
      where status = any(${OPEN}) and owner_role <> 'rep' order by priority desc, received_at`,
    db<DueRow[]>`
      select c.reference, c.priority, c.subject, d.kind, d.rule, d.due_at
      from cases c join deadlines d on d.case_id = c.id and d.kind = 'closure' and d.status = 'pending'
      where c.status = 'awaiting_confirmation' order by d.due_at`,
    db<DueRow[]>`
      select c.reference, c.priority, c.subject, d.kind, d.rule, d.due_at
      from deadlines d join cases c on c.id = d.case_id
      where d.status = 'pending' and d.kind = 'adr' and d.due_at <= ${horizon} order by d.due_at`,
    db<DigestCase[]>`
      select reference, priority, subject from cases
      where status = any(${OPEN}) and deadlock_requested_at is not null and deadlock_decision is null order by received_at`,
    db<MailRow[]>`
      select c.reference, coalesce(c.priority, false) as priority, o.subject, o.last_error as detail, o.created_at as at
      from outbound_messages o left join cases c on c.id = o.case_id
      where o.status in ('bounced', 'failed') and o.created_at >= ${since} order by o.created_at`,
    db<MailRow[]>`
      select null as reference, false as priority, i.subject, i.quarantine_reason as detail, i.received_at as at
      from inbound_messages i where i.kind = 'quarantined' and i.received_at >= ${since} order by i.received_at`,
    // Mail that concerns a case but may not act on it, forged staff commands, and reused Message-IDs.
    db<MailRow[]>`
      select c.reference, coalesce(c.priority, false) as priority, i.subject, null as detail, i.classification -> 'reasons' as reasons, i.received_at as at
      from inbound_messages i left join cases c on c.id = i.case_id
      where i.received_at >= ${since}
        and ((i.kind = 'other' and (i.case_id is not null or i.classification -> 'reasons' ? 'staff-auth-failed')) or i.collides_with is not null)
      order by i.received_at`,
  ]);
  return { commands, heldAlerts, awaitingReview, due, escalations, awaitingConfirmation, adrHorizon, deadlockRequests, bounces, quarantined, heldMail };
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
