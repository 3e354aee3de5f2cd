import type { BusinessCalendar } from '../policy/calendar.ts';
import type { PolicySettings } from '../policy/settings.ts';
import type { DigestCounts, DigestLine, StaffDigestData } from '../outbound/render.ts';
import type { DigestFacts, DueRow, MailRow } from './digest-repo.ts';

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

/** Pure: the digest from the facts loaded for `now`. Counts at the top, priority cases first in every section. */
export function composeDigest(facts: DigestFacts, now: Date, cal: BusinessCalendar, organisation: string): StaffDigestData {
  const when = (d: Date) => `${cal.formatLocal(d)} ${cal.formatLocalTime(d)}`;
  const dueLine = (r: DueRow) => line(r, `${OWED[r.kind] ?? r.kind}: ${r.due_at <= now ? 'OVERDUE since' : 'due'} ${when(r.due_at)}`);
  const overdue = facts.due.filter((r) => r.due_at <= now);
  const counts: DigestCounts = {
    newAwaitingReview: facts.awaitingReview.length,
    priority: new Set([...facts.awaitingReview, ...facts.due, ...facts.escalations].filter((r) => r.priority).map((r) => r.reference)).size,
    dueToday: facts.due.length - overdue.length,
    overdue: overdue.length,
    escalations: facts.escalations.length,
    awaitingConfirmation: facts.awaitingConfirmation.length,
    adrHorizon: facts.adrHorizon.length,
    bounces: facts.bounces.length,
    quarantined: facts.quarantined.length,
  };
  const sections = [
    { title: 'New cases awaiting review (R4)', lines: facts.awaitingReview.map((r) => line(r, `new: review owed by ${when(r.due_at)}${r.priority ? ' (priority, R8)' : ''}`)) },
    { title: 'Overdue', lines: overdue.map(dueLine) },
    { title: 'Due today', lines: facts.due.filter((r) => r.due_at > now).map(dueLine) },
    { title: 'Escalations (R5, R6, R7)', lines: facts.escalations.map((r) => line(r, `with ${r.owner_role}`)) },
    { title: 'Awaiting customer confirmation (R11, R12)', lines: facts.awaitingConfirmation.map((r) => line(r, `closes for no response ${when(r.due_at)}`)) },
    { title: '8-week horizon: ADR notice due (R14)', lines: facts.adrHorizon.map((r) => line(r, `ADR notice ${when(r.due_at)}; resolve or flag vexatious/out-of-jurisdiction if that applies`)) },
    { title: 'Deadlock letters requested, awaiting decision (R15)', lines: facts.deadlockRequests.map((r) => line(r, 'decide: #deadlock or #refuse-deadlock timely|vexatious|jurisdiction')) },
    { title: 'Bounced or failed messages', lines: facts.bounces.map((r) => mailLine(r, 'our message did not arrive')) },
    { title: 'Mail held for staff', lines: facts.heldMail.map((r) => mailLine({ ...r, detail: whyHeld(r.reasons ?? []) }, 'message not acted on')) },
    { title: 'Quarantined mail', lines: facts.quarantined.map((r) => mailLine(r, 'quarantined')) },
    { title: 'Email commands carried out, by staff member', lines: facts.commands.map((r) => ({ reference: r.staff, text: `${/#[a-z-]+/.exec(r.subject)?.[0] ?? 'command'} on ${r.reference ?? '-'} at ${when(r.at)}`, priority: false })) },
    { title: 'Staff alerts held back (daily cap per sender)', lines: facts.heldAlerts.map((r) => ({ reference: r.sender, text: `${r.held} alert${r.held === 1 ? '' : 's'} not emailed; each is on its case's record`, priority: false })) },
  ].filter((s) => s.lines.length > 0);
  return { organisation, date: cal.formatLocal(now), counts, sections };
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
