import type { BusinessCalendar } from '../policy/calendar.ts';
import type { PolicySettings } from '../policy/settings.ts';
import type { DigestCounts, DigestLine, DigestSection, StaffDigestData } from '../outbound/render.ts';
import type { DigestFacts, DueRow, MailRow, Section } from './digest-repo.ts';

const OWED: Record<string, string> = {
  ack: 'acknowledgement owed (R1)',
  review: 'review by a representative owed (R4)',
  update: 'progress update owed (R3)',
  engineering_target: 'engineering target (R6)',
  engineering_overdue: 'engineering overdue (R6)',
  director: "Director's determination owed (R7)",
  closure: 'closes for no response (R12)',
  adr: 'ADR notice at 8 weeks (R14)',
};

/** Where to find the rest of a section's rows that have no case (in the database). */
const WITHOUT_CASE = {
  bounces: "outbound_messages where status in ('bounced', 'failed')",
  heldMail: "inbound_messages where kind = 'other' or collides_with is not null",
  quarantined: "inbound_messages where kind = 'quarantined'",
  commands: "outbound_messages where kind = 'command_receipt'",
  heldAlerts: "outbound_messages where kind = 'staff_alert' and status = 'suppressed'",
};

/**
 * Pure: the digest from the facts loaded for `now`. Counts at the top, exact; each section
 * lists its first rows, priority cases first, and says how many more there are and where.
 */
export function composeDigest(facts: DigestFacts, now: Date, cal: BusinessCalendar, organisation: string): StaffDigestData {
  const when = (d: Date) => `${cal.formatLocal(d)} ${cal.formatLocalTime(d)}`;
  const dueLine = (r: DueRow) => line(r, `${OWED[r.kind] ?? r.kind}: ${r.due_at <= now ? 'OVERDUE since' : 'due'} ${when(r.due_at)}`);
  const counts: DigestCounts = {
    newAwaitingReview: facts.awaitingReview.total,
    priority: facts.priorityCases,
    dueToday: facts.dueToday.total,
    overdue: facts.overdue.total,
    escalations: facts.escalations.total,
    awaitingConfirmation: facts.awaitingConfirmation.total,
    adrHorizon: facts.adrHorizon.total,
    bounces: facts.bounces.total,
    quarantined: facts.quarantined.total,
  };
  const sections = [
    section('New cases awaiting review (R4)', facts.awaitingReview, (r) => line(r, `new: review owed by ${when(r.due_at)}${r.priority ? ' (priority, R8)' : ''}`)),
    section('Overdue', facts.overdue, dueLine),
    section('Due today', facts.dueToday, dueLine),
    section('Escalations (R5, R6, R7)', facts.escalations, (r) => line(r, `with ${r.owner_role}`)),
    section('Awaiting customer confirmation (R11, R12)', facts.awaitingConfirmation, (r) => line(r, `closes for no response ${when(r.due_at)}`)),
    section('8-week horizon: ADR notice due (R14)', facts.adrHorizon, (r) => line(r, `ADR notice ${when(r.due_at)}; resolve or flag vexatious/out-of-jurisdiction if that applies`)),
    section('Deadlock letters requested, awaiting decision (R15)', facts.deadlockRequests, (r) => line(r, 'decide: #deadlock or #refuse-deadlock timely|vexatious|jurisdiction')),
    section('Bounced or failed messages', facts.bounces, (r) => mailLine(r, 'our message did not arrive'), WITHOUT_CASE.bounces),
    section('Mail held for staff', facts.heldMail, (r) => mailLine({ ...r, detail: whyHeld(r.reasons ?? []) }, 'message not acted on'), WITHOUT_CASE.heldMail),
    section('Quarantined mail', facts.quarantined, (r) => mailLine(r, 'quarantined'), WITHOUT_CASE.quarantined),
    section('Email commands carried out, by staff member', { ...facts.commands, statuses: [null] }, (r) => ({ reference: r.staff, text: `${/#[a-z-]+/.exec(r.subject)?.[0] ?? 'command'} on ${r.reference ?? '-'} at ${when(r.at)}`, priority: false }), WITHOUT_CASE.commands),
    section('Staff alerts held back (daily cap per sender)', facts.heldAlerts, (r) => ({ reference: r.sender, text: `${r.held} alert${r.held === 1 ? '' : 's'} not emailed; each is on its case's record`, priority: false }), WITHOUT_CASE.heldAlerts),
  ].filter((s) => s.lines.length > 0);
  return { organisation, date: cal.formatLocal(now), counts, sections };
}

function section<T>(title: string, s: Section<T>, toLine: (row: T) => DigestLine, withoutCase?: string): DigestSection {
  const lines = s.rows.map(toLine);
  const rest = s.total - lines.length;
  return { title, lines, more: rest > 0 ? { count: rest, where: whereToLook(s.statuses, withoutCase) } : null };
}

/** The commands that list the rest: one per case status in the section; the table for rows with no case. */
export function whereToLook(statuses: (string | null)[], withoutCase = 'the database'): string[] {
  return statuses.map((st) => (st === null ? withoutCase : `redress cases --status ${st}`));
}

function line(r: { reference: string; priority: boolean; subject: string }, text: string): DigestLine {
  return { reference: r.reference, text: `${text}${r.subject ? ` (${truncate(r.subject)})` : ''}`, priority: r.priority };
}

function mailLine(r: MailRow, what: string): DigestLine {
  return { reference: r.reference ?? '-', text: `${what}: ${truncate(r.subject ?? '(no subject)')}${r.detail ? ` [${truncate(r.detail, 120)}]` : ''}`, priority: r.priority };
}

/** The reason that matters to staff first: a refusal, a failed authentication, a reused Message-ID. */
function whyHeld(reasons: readonly string[]): string {
  const telling = reasons.filter((r) => /^(refused|staff-auth-failed|sender-auth|message-id-collision|names-reference|thread-sender)/.test(r));
  return (telling.length > 0 ? telling : reasons).join('; ');
}

function truncate(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Business days only, at or after the configured local time, once a day. */
export function digestDue(now: Date, cal: BusinessCalendar, digestTime: string): boolean {
  return cal.isBusinessDay(now) && cal.formatLocalTime(now) >= digestTime;
}

/** The windows the digest looks at: what is due before the next business day opens; the ADR horizon. */
export function digestWindows(now: Date, cal: BusinessCalendar, policy: PolicySettings): { dueBefore: Date; horizon: Date } {
  return { dueBefore: cal.nextBusinessDayStart(now), horizon: cal.addCalendarDays(now, policy.adrWarningDays) };
}
