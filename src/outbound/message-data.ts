import type { BusinessCalendar } from '../policy/calendar.ts';
import type { PolicySettings } from '../policy/settings.ts';
import type { Format } from '../vocabulary.ts';
import { plusAddress } from './compose.ts';
import type { AdrScheme, CaseMessageData, DirectorReason, LetterData, OutboundKind } from './render.ts';

/** Who a case's messages are about and go to. */
export interface CaseParties {
  reference: string;
  token: string;
  subject: string;
  receivedAt: Date;
  customerEmail: string | null;
  customerName: string | null;
  /** Where the outcome goes (R10) when it is not the address the customer wrote from. */
  registeredEmail: string | null;
  representativeEmail: string | null;
  representativeName: string | null;
  preferredFormat: Format;
  postalAddress: string | null;
}

/** What of a case's state its messages say. */
export interface MessageFacts {
  outcome: string | null;
  outcomeSentAt: Date | null;
  latestNote: string | null;
  priority: boolean;
}

export interface MessageSettings {
  organisation: string;
  complaintsAddress: string;
  mailDomain: string;
  adrScheme: AdrScheme;
}

interface Context {
  calendar: BusinessCalendar;
  policy: PolicySettings;
  settings: MessageSettings;
}

/**
 * Pure: the template data for one message, from the case's parties and facts and what the
 * decision said. Dates are formatted here, in the business time zone, from `now`.
 */
export function messageData(kind: OutboundKind, intent: Record<string, unknown>, p: CaseParties, f: MessageFacts, ctx: Context, now: Date): Record<string, unknown> {
  const cal = ctx.calendar;
  const day = (d: Date) => cal.formatLocal(d);
  const base = caseData(p, ctx, day);
  switch (kind) {
    case 'ack':
      // Sent to an envelope sender that is not the From address, it quotes nothing the sender wrote (no reflection relay).
      if (intent.quote === false) return { ...base, caseSubject: '', customerName: undefined, representative: undefined, missingInfo: Boolean(intent.missingInfo), nextUpdateDate: day(cal.addBusinessDays(now, ctx.policy.updateEveryBusinessDays)) };
      return { ...base, missingInfo: Boolean(intent.missingInfo), nextUpdateDate: day(cal.addBusinessDays(now, ctx.policy.updateEveryBusinessDays)) };
    case 'progress': {
      const note = typeof intent.note === 'string' ? intent.note : undefined;
      return { ...base, update: note ? { progress: note } : undefined, nextUpdateDate: day(cal.addBusinessDays(now, ctx.policy.updateEveryBusinessDays)) };
    }
    case 'outcome':
      return {
        ...base,
        outcomeText: String(intent.text ?? f.outcome ?? ''),
        closeDate: day(cal.addBusinessDays(now, ctx.policy.silenceClosureBusinessDays)),
        replyWithinBusinessDays: ctx.policy.silenceClosureBusinessDays,
      };
    case 'closure_confirmed':
      // R11 by post: the customer's letter, dated as they wrote it.
      return { ...base, closedDate: day(now), letterDate: typeof intent.letterDate === 'string' ? day(cal.startOfLocalDate(intent.letterDate)) : undefined };
    case 'closure_no_response':
      return { ...base, closedDate: day(now), outcomeSentDate: day(f.outcomeSentAt ?? now) };
    case 'director_escalation':
      return {
        ...base,
        reason: (intent.reason as DirectorReason | undefined) ?? 'unresolved',
        escalatedDate: day(now),
        determinationDueDate: day(cal.addCalendarDays(now, ctx.policy.directorDays)),
      };
    case 'adr_notice':
      return { ...base, adrScheme: ctx.settings.adrScheme, letterDate: day(now) };
    case 'deadlock_letter':
      return { ...base, finalPosition: finalPosition(f), issuedDate: day(now), adrScheme: ctx.settings.adrScheme };
    case 'deadlock_refusal':
      return { ...base, reason: intent.reason, explanation: intent.explanation, adrScheme: ctx.settings.adrScheme };
    case 'reply':
      return { ...base, body: String(intent.text ?? '') };
    case 'staff_alert':
      return {
        organisation: ctx.settings.organisation,
        title: String(intent.title ?? 'Attention needed'),
        reference: p.reference,
        owed: String(intent.owed ?? intent.title ?? ''),
        dueDate: typeof intent.dueDate === 'string' ? intent.dueDate : undefined,
        details: Array.isArray(intent.details) ? intent.details.map(String) : [],
        nextSteps: String(intent.nextSteps ?? ''),
        priority: f.priority,
      };
    case 'letter':
      return {
        ...base,
        customerName: p.customerName ?? 'Customer',
        postalAddress: (p.postalAddress ?? '').split(/\r?\n|,\s*/).filter(Boolean),
        letterDate: day(now),
        body: String(intent.body ?? ''),
        confirmBy: intent.letterOf === 'outcome' ? day(cal.addBusinessDays(now, ctx.policy.silenceClosureBusinessDays)) : undefined,
        letterOf: typeof intent.letterOf === 'string' ? intent.letterOf : undefined,
        // The ADR letters print their own sections (R14, R15) rather than the email's text.
        ...(intent.letterOf === 'adr_notice' || intent.letterOf === 'deadlock_letter' ? adrLetter(f, ctx, day(now)) : {}),
      };
    case 'command_receipt':
      return {
        organisation: ctx.settings.organisation,
        reference: p.reference,
        verb: String(intent.verb ?? ''),
        done: Array.isArray(intent.done) ? intent.done.map(String) : [],
        undo: String(intent.undo ?? ''),
      };
    case 'staff_digest':
      return intent;
  }
}

function adrLetter(f: MessageFacts, ctx: Context, today: string): Pick<LetterData, 'adrScheme' | 'finalPosition' | 'issuedDate'> {
  return { adrScheme: ctx.settings.adrScheme, finalPosition: finalPosition(f), issuedDate: today };
}

function finalPosition(f: MessageFacts): string {
  return f.outcome ?? f.latestNote ?? 'We have not been able to resolve your complaint to your satisfaction.';
}

function caseData(p: CaseParties, ctx: Context, day: (d: Date) => string): CaseMessageData {
  const third = p.representativeEmail !== null;
  return {
    organisation: ctx.settings.organisation,
    reference: p.reference,
    token: p.token,
    customerName: p.customerName ?? undefined,
    caseSubject: p.subject,
    receivedDate: day(p.receivedAt),
    eightWeekDate: day(ctx.calendar.addCalendarDays(p.receivedAt, ctx.policy.adrDays)),
    replyAddress: plusAddress(ctx.settings.complaintsAddress, p.token),
    representative: third ? { name: p.representativeName ?? undefined } : undefined,
  };
}
