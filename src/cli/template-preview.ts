import { newCaseFacts, type CaseFacts } from '../cases/decision.ts';
import { messageData, type MessageSettings } from '../outbound/message-data.ts';
import type { CaseParties } from '../outbound/message-data.ts';
import type { DataFor, OutboundKind, StaffDigestData } from '../outbound/message-types.ts';
import type { BusinessCalendar } from '../policy/calendar.ts';
import type { PolicySettings } from '../policy/settings.ts';

/**
 * `redress templates preview`: the data a template is filled with, from a case's parties and
 * facts (a real case, or the sample below), with sample words where staff would write them.
 * Pure: the caller loads the case and passes `now`.
 */
export interface PreviewContext {
  calendar: BusinessCalendar;
  policy: PolicySettings;
  settings: MessageSettings;
}

const DAY_MS = 86_400_000;

const SAMPLE_TEXT = {
  outcome: 'We have refunded the duplicate charge of £42.50 to your card; it will show within 5 working days.',
  reply: 'Thank you for the photos of your router. An engineer will call you on Thursday morning.',
  note: 'We have asked our billing team to trace both payments.',
  explanation: 'Our engineers expect to restore the line by Friday.',
};

/** What a staff command or a deadline would put in the send intent, for kinds that need it. */
function sampleIntent(kind: OutboundKind, f: CaseFacts): Record<string, unknown> {
  switch (kind) {
    case 'ack':
      return { missingInfo: false };
    case 'progress':
      return { note: f.latestNote ?? SAMPLE_TEXT.note };
    case 'outcome':
      return { text: f.outcome ?? SAMPLE_TEXT.outcome };
    case 'director_escalation':
      return { reason: 'outcome' };
    case 'deadlock_refusal':
      return { reason: 'timely', explanation: SAMPLE_TEXT.explanation };
    case 'reply':
      return { text: SAMPLE_TEXT.reply };
    case 'staff_alert':
      return { title: 'A message could not be sent', details: ['ack: 550 5.1.1 No such user'], nextSteps: 'Fix the cause, then send it again with `redress outbox retry ID`.' };
    case 'letter':
      return { letterOf: 'outcome', body: f.outcome ?? SAMPLE_TEXT.outcome };
    default:
      return {};
  }
}

export function previewData<K extends Exclude<OutboundKind, 'staff_digest'>>(kind: K, p: CaseParties, f: CaseFacts, ctx: PreviewContext, now: Date): DataFor<K> {
  return messageData(kind, sampleIntent(kind, f), p, f, ctx, now) as unknown as DataFor<K>;
}

/** A case received three days before `now`, open, from one customer who asked for post. */
export function sampleCase(now: Date): { parties: CaseParties; facts: CaseFacts } {
  const receivedAt = new Date(now.getTime() - 3 * DAY_MS);
  const parties: CaseParties = {
    reference: 'CMP-2026-000042',
    token: 'k7q2xw',
    subject: 'Charged twice for my August bill',
    receivedAt,
    customerEmail: 'pat.jones@example.com',
    customerName: 'Pat Jones',
    registeredEmail: null,
    representativeEmail: null,
    representativeName: null,
    preferredFormat: 'post',
    postalAddress: '12 High Street, Anytown, AB1 2CD',
  };
  const facts: CaseFacts = { ...newCaseFacts(receivedAt), status: 'open', acknowledgedAt: receivedAt, reviewedAt: receivedAt, lastCustomerContactAt: receivedAt };
  return { parties, facts };
}

export function sampleDigest(ctx: PreviewContext, now: Date): StaffDigestData {
  const due = ctx.calendar.formatLocal(new Date(now.getTime() + DAY_MS));
  return {
    organisation: ctx.settings.organisation,
    date: ctx.calendar.formatLocal(now),
    counts: { newAwaitingReview: 2, priority: 1, dueToday: 1, overdue: 1, escalations: 1, awaitingConfirmation: 1, adrHorizon: 0, bounces: 0, quarantined: 0 },
    sections: [
      { title: 'New cases awaiting review (R4)', lines: [
        { reference: 'CMP-2026-000043', text: `new: review owed by ${due}`, priority: false },
        { reference: 'CMP-2026-000044', text: `new: review owed by ${due} (priority, R8)`, priority: true },
      ], more: null },
      { title: 'Overdue', lines: [{ reference: 'CMP-2026-000031', text: 'progress update (R3) was due yesterday', priority: false }], more: null },
      { title: 'Escalations (R5, R6, R7)', lines: [{ reference: 'CMP-2026-000027', text: 'with director', priority: false }], more: null },
      { title: 'Awaiting customer confirmation (R11, R12)', lines: [{ reference: 'CMP-2026-000042', text: `closes for no response ${due}`, priority: false }], more: null },
    ],
  };
}
