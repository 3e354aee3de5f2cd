import type { BusinessCalendar } from '../policy/calendar.ts';
import type { PolicySettings } from '../policy/settings.ts';
import type { StaffRole } from '../vocabulary.ts';
import { plusAddress, stableMessageId, type ComposeInput } from './compose.ts';
import type { HistoryDraft, PlannedMessage, SendIntent } from './intents.ts';
import { messageData, type CaseParties, type MessageFacts, type MessageSettings } from './message-data.ts';
import { resolveRecipients } from './recipients.ts';
import { renderMessage, type OutboundKind } from './render.ts';
import type { Templates } from './templates.ts';

export interface OutboxSettings extends MessageSettings {
  autoReplyDailyCap: number;
  staffAlertsPerSenderDailyCap: number;
  staffRecipients: readonly string[];
}

export interface OutboxContext {
  settings: OutboxSettings;
  calendar: BusinessCalendar;
  policy: PolicySettings;
  /** Compiled once at start-up (templates.ts); rendering itself does no I/O. */
  templates: Templates;
}

export interface StaffMember {
  email: string;
  role: StaffRole;
}

/**
 * What the caps look at, for the 24 hours before the batch, growing as messages are
 * planned: automatic messages per address (RFC 3834), staff alerts per sender they were
 * about, and the alert-cap summaries already stored.
 */
export interface SendLedger {
  automatic: Map<string, number>;
  alertsAbout: Map<string, number>;
  summaries: Set<string>;
  /** Idempotency keys planned in this batch: one event, one message. */
  planned: Set<string>;
}

/** The customer's conversation on a case, oldest first: what our answers reply to and reference. */
export interface CaseThread {
  conversation: string[];
  lastInbound: string | null;
  firstStaff: string | null;
}

export interface CaseMessageContext {
  id: bigint;
  parties: CaseParties;
  facts: MessageFacts;
  thread: CaseThread;
}

export interface CaseMessageRequest {
  intent: SendIntent;
  /** Unique per causing event (an inbound message, a deadline, a CLI invocation): one event, one message. */
  eventKey: string;
  /** The envelope sender of the message being answered (RFC 3834), for audience 'sender'. */
  senderAddress?: string;
  /** The From address of the message answered: an automatic answer quotes it only to this address. */
  fromAddress?: string;
  /** The sender whose mail caused this message: staff alerts about one sender are capped per day. */
  aboutSender?: string;
  /** For answers to one staff member only. */
  staffAddress?: string;
  /** Message-ID of the staff member's message an answer to them threads to. */
  answering?: string;
  now: Date;
}

export interface Planned {
  messages: PlannedMessage[];
  history: HistoryDraft[];
}


/** Kinds a customer who asked for post (R10) also gets as a printable letter, with a staff task to post it. */
const LETTER_KINDS = new Set(['outcome', 'closure_confirmed', 'closure_no_response', 'adr_notice', 'deadlock_letter', 'deadlock_refusal', 'director_escalation']);

/**
 * Pure: one intent on a case becomes its message (rendered, addressed, threaded, capped),
 * plus a printable-letter task for a customer who asked for post, plus a cap summary when
 * it is the first alert over a sender's daily cap. The case's thread and the ledger grow
 * with what is planned, so the next message of the same batch sees them.
 */
export function planCaseMessage(ctx: OutboxContext, kase: CaseMessageContext, staff: readonly StaffMember[], ledger: SendLedger, req: CaseMessageRequest): Planned {
  const out: Planned = { messages: [], history: [] };
  planOne(ctx, kase, staff, ledger, req, out);
  if (kase.parties.preferredFormat === 'post' && LETTER_KINDS.has(req.intent.kind)) planOne(ctx, kase, staff, ledger, letterTask(ctx, kase, req), out);
  return out;
}

function planOne(ctx: OutboxContext, kase: CaseMessageContext, staff: readonly StaffMember[], ledger: SendLedger, req: CaseMessageRequest, out: Planned): void {
  const { intent, now } = req;
  const { parties } = kase;
  const recipients = resolveRecipients(intent.to, parties, req, staff, ctx.settings.staffRecipients);
  if (recipients.to.length === 0) {
    out.history.push({ caseId: kase.id, at: now, actor: 'system', event: 'send.no_recipient', data: { kind: intent.kind, audience: intent.to } });
    return;
  }
  const kind = intent.kind as OutboundKind;
  const idempotencyKey = `${kase.id}:${intent.kind}:${intent.to}:${req.eventKey}`;
  const messageId = stableMessageId(idempotencyKey, ctx.settings.mailDomain);
  const customerFacing = recipients.audience === 'customer';
  const thread = customerFacing
    ? customerThread(kase.thread)
    : intent.to === 'actor' && req.answering
      ? { inReplyTo: req.answering, references: [req.answering] }
      : { inReplyTo: null, references: kase.thread.firstStaff ? [kase.thread.firstStaff] : [] };
  // RFC 3834 answers go to the envelope sender; one that is not the From address is told nothing the sender wrote.
  const quote = intent.to !== 'sender' || !req.fromAddress || recipients.to[0] === req.fromAddress.toLowerCase();
  const rendered = renderMessage(ctx.templates, kind, messageData(kind, { ...(intent.data ?? {}), ...(quote ? {} : { quote: false }) }, parties, kase.facts, ctx, now) as never);
  const aboutSender = intent.kind === 'staff_alert' && recipients.audience === 'staff' ? req.aboutSender?.toLowerCase() : undefined;
  const suppressed = intent.automatic ? overAutomaticCap(ctx, ledger, recipients.to) : aboutSender ? overAlertCap(ctx, staff, ledger, aboutSender, now, out) : false;
  const compose: ComposeInput = {
    from: { name: ctx.settings.organisation, address: ctx.settings.complaintsAddress },
    to: recipients.to,
    cc: recipients.cc,
    replyTo: plusAddress(ctx.settings.complaintsAddress, parties.token),
    subject: rendered.subject,
    text: rendered.text,
    html: !customerFacing || parties.preferredFormat === 'html' ? rendered.html : undefined,
    messageId,
    inReplyTo: thread.inReplyTo ?? undefined,
    references: thread.references,
    autoSubmitted: intent.automatic ? 'auto-replied' : customerFacing ? undefined : 'auto-generated',
    date: now,
    headers: { 'X-Redress-Case': parties.reference, 'X-Redress-Kind': intent.kind },
    attachments: letterAttachment(intent.data),
  };
  // The stored recipients are the envelope: a copy (Cc) is sent too.
  const message = planned(ctx, { caseId: kase.id, kind: intent.kind, idempotencyKey, messageId, to: [...recipients.to, ...(recipients.cc ?? [])], subject: rendered.subject, suppressed, automatic: intent.automatic, audience: recipients.audience, inReplyTo: thread.inReplyTo, aboutSender: aboutSender ?? null, now, compose });
  record(ctx, ledger, out, message);
  if (customerFacing) kase.thread.conversation.push(messageId);
  else if (!kase.thread.firstStaff) kase.thread.firstStaff = messageId;
}

/** A staff message about no single case: the digest, a notice to one staff member, an alert to all. */
export function planStaffMessage(
  ctx: OutboxContext,
  staff: readonly StaffMember[],
  ledger: SendLedger,
  m: { kind: 'staff_digest' | 'staff_alert'; data: Record<string, unknown>; to: string[] | 'staff'; idempotencyKey: string; now: Date; inReplyTo?: string; aboutSender?: string },
): Planned {
  const out: Planned = { messages: [], history: [] };
  const to = m.to === 'staff' ? allStaff(ctx, staff) : m.to;
  if (to.length === 0) return out;
  const aboutSender = m.aboutSender?.toLowerCase();
  const suppressed = aboutSender ? overAlertCap(ctx, staff, ledger, aboutSender, m.now, out) : false;
  const rendered = renderMessage(ctx.templates, m.kind, m.data as never);
  const messageId = stableMessageId(m.idempotencyKey, ctx.settings.mailDomain);
  const compose: ComposeInput = {
    from: { name: ctx.settings.organisation, address: ctx.settings.complaintsAddress },
    to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    inReplyTo: m.inReplyTo,
    references: m.inReplyTo ? [m.inReplyTo] : undefined,
    autoSubmitted: 'auto-generated',
    date: m.now,
    headers: { 'X-Redress-Kind': m.kind },
  };
  record(ctx, ledger, out, planned(ctx, { caseId: null, kind: m.kind, idempotencyKey: m.idempotencyKey, messageId, to, subject: rendered.subject, suppressed, automatic: false, audience: 'staff', inReplyTo: m.inReplyTo ?? null, aboutSender: aboutSender ?? null, now: m.now, compose }));
  return out;
}

function planned(
  ctx: OutboxContext,
  m: Omit<PlannedMessage, 'status' | 'envelopeFrom' | 'createdAt'> & { suppressed: boolean; now: Date },
): PlannedMessage {
  const { suppressed, now, ...rest } = m;
  return { ...rest, status: suppressed ? 'suppressed' : 'queued', envelopeFrom: ctx.settings.complaintsAddress, createdAt: now };
}

/** Adds the message, its history entry, and its weight in the ledger; a second message for one event is dropped. */
function record(ctx: OutboxContext, ledger: SendLedger, out: Planned, m: PlannedMessage): void {
  if (ledger.planned.has(m.idempotencyKey)) return;
  ledger.planned.add(m.idempotencyKey);
  out.messages.push(m);
  if (m.status === 'queued') {
    if (m.automatic) for (const a of m.to) ledger.automatic.set(a, (ledger.automatic.get(a) ?? 0) + 1);
    if (m.aboutSender && m.kind === 'staff_alert') ledger.alertsAbout.set(m.aboutSender, (ledger.alertsAbout.get(m.aboutSender) ?? 0) + 1);
  }
  if (m.caseId === null) return;
  const reason = m.aboutSender
    ? `staff alerts about ${m.aboutSender} capped at ${ctx.settings.staffAlertsPerSenderDailyCap} a day`
    : `automatic-message cap of ${ctx.settings.autoReplyDailyCap} a day reached`;
  out.history.push({
    caseId: m.caseId,
    at: m.createdAt,
    actor: 'system',
    event: m.status === 'suppressed' ? 'send.suppressed' : 'message.queued',
    data: { kind: m.kind, to: m.to, ...(m.status === 'suppressed' ? { reason } : {}) },
    outbound: m,
  });
}

/** Threading for a customer-facing message: answer their latest mail, reference the conversation (first and latest nine). */
function customerThread(t: CaseThread): { inReplyTo: string | null; references: string[] } {
  const all = t.conversation;
  return { inReplyTo: t.lastInbound, references: all.length > 10 ? [all[0]!, ...all.slice(-9)] : [...all] };
}

function allStaff(ctx: OutboxContext, staff: readonly StaffMember[]): string[] {
  return ctx.settings.staffRecipients.length > 0 ? [...ctx.settings.staffRecipients] : staff.map((s) => s.email);
}

/** RFC 3834 loop protection: no address gets more than the cap of automatic messages a day. */
function overAutomaticCap(ctx: OutboxContext, ledger: SendLedger, to: readonly string[]): boolean {
  return to.some((a) => (ledger.automatic.get(a) ?? 0) >= ctx.settings.autoReplyDailyCap);
}

/**
 * Staff alerts caused by one sender's mail are capped per day, so 50 complaints in a minute
 * do not bury staff in 50 alerts. Past the cap each alert is kept as suppressed on the
 * record, and one summary alert says so; the digest counts what was held.
 */
function overAlertCap(ctx: OutboxContext, staff: readonly StaffMember[], ledger: SendLedger, sender: string, now: Date, out: Planned): boolean {
  const cap = ctx.settings.staffAlertsPerSenderDailyCap;
  if ((ledger.alertsAbout.get(sender) ?? 0) < cap) return false;
  const key = `alert-cap:${sender}:${ctx.calendar.localDate(now)}`;
  if (!ledger.summaries.has(key)) {
    ledger.summaries.add(key);
    const data = {
      organisation: ctx.settings.organisation,
      title: `More alerts about ${sender} are held today`,
      owed: `${cap} alerts about ${sender} in 24 hours`,
      details: [`Mail from ${sender} caused ${cap} staff alerts in 24 hours. Further alerts it causes today are not emailed; each stays on its case's record and the digest counts them.`],
      nextSteps: `See what ${sender} sent: \`redress cases --json\` and each case's history. Nothing was dropped.`,
    };
    const summary = planStaffMessage(ctx, staff, { ...ledger, alertsAbout: new Map(), planned: new Set() }, { kind: 'staff_alert', data, to: 'staff', idempotencyKey: key, now, aboutSender: sender });
    for (const m of summary.messages) record(ctx, ledger, out, m);
  }
  return true;
}

/** R10: a printable letter for a customer who asked for post, attached to a staff task to print and post it. */
function letterTask(ctx: OutboxContext, kase: CaseMessageContext, req: CaseMessageRequest): CaseMessageRequest {
  const { parties } = kase;
  const data = (kind: OutboundKind, extra: Record<string, unknown>) => messageData(kind, { ...(req.intent.data ?? {}), ...extra }, parties, kase.facts, ctx, req.now) as never;
  const kind = req.intent.kind as OutboundKind;
  const text = req.intent.data?.text;
  const body = typeof text === 'string' ? text : renderMessage(ctx.templates, kind, data(kind, {})).text;
  const letter = renderMessage(ctx.templates, 'letter', data('letter', { letterOf: req.intent.kind, body }));
  return {
    ...req,
    intent: {
      kind: 'staff_alert',
      to: 'staff',
      automatic: false,
      data: {
        title: `Print and post: ${req.intent.kind.replaceAll('_', ' ')} letter (R10)`,
        details: ['The customer asked for writing by post.', `Address: ${parties.postalAddress ?? 'not on file: ask the customer'}`],
        nextSteps: 'Print the attached letter, post it, and add a #note saying when it was posted.',
        attachment: { filename: `${parties.reference}-${req.intent.kind}.html`, html: letter.html },
      },
    },
    eventKey: `${req.eventKey}:letter:${req.intent.kind}`,
  };
}

function letterAttachment(data: Record<string, unknown> | undefined) {
  const a = data?.attachment as { filename: string; html: string } | undefined;
  // composeMessage takes a bare type/subtype; the letter declares its charset itself (<meta charset="utf-8">).
  return a ? [{ filename: a.filename, contentType: 'text/html', content: Buffer.from(a.html, 'utf8') }] : undefined;
}

