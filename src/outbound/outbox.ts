import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Outbox, OutboxRequest } from '../cases/advance.ts';
import type { Db } from '../db/pool.ts';
import { enqueueSend } from '../jobs/boss.ts';
import type { Logger } from '../log.ts';
import type { BusinessCalendar } from '../policy/calendar.ts';
import type { PolicySettings } from '../policy/settings.ts';
import { appendHistory } from '../cases/history-repo.ts';
import { composeMessage, plusAddress, stableMessageId } from './compose.ts';
import { messageData, type MessageSettings } from './message-data.ts';
import { listStaff } from '../staff/staff-repo.ts';
import { automaticCountSince, caseParties, customerThread, insertOutbound, staffAlertCountSince, type CaseParties, type NewOutbound } from './outbox-repo.ts';
import { resolveRecipients } from './recipients.ts';
import { renderMessage, type OutboundKind } from './render.ts';

export interface OutboxDeps {
  boss: PgBoss;
  log: Logger;
  calendar: BusinessCalendar;
  policy: PolicySettings;
  settings: MessageSettings & { autoReplyDailyCap: number; staffAlertsPerSenderDailyCap: number; staffRecipients: readonly string[] };
}

const DAY_MS = 86_400_000;

/** Kinds a customer who asked for post (R10) also gets as a printable letter, with a staff task to post it. */
const LETTER_KINDS = new Set(['outcome', 'closure_confirmed', 'closure_no_response', 'adr_notice', 'deadlock_letter', 'deadlock_refusal', 'director_escalation']);

/**
 * Renders, composes and stores a message, then enqueues its send job, all in the caller's
 * transaction. The idempotency key (case, kind, causing event) means a replayed event
 * never sends twice; automatic replies over the per-address daily cap are suppressed.
 */
export function createOutbox(deps: OutboxDeps): Outbox {
  return {
    async queue(tx, req) {
      const parties = await caseParties(tx, req.caseId);
      if (!parties) return undefined;
      const id = await queueOne(tx, deps, req, parties);
      if (parties.preferredFormat === 'post' && LETTER_KINDS.has(req.intent.kind)) await queueLetterTask(tx, deps, req, parties);
      return id;
    },
    async noticeToStaff(tx, n) {
      const data = { organisation: deps.settings.organisation, title: n.title, owed: n.title, details: n.details, nextSteps: n.nextSteps };
      const to = n.to === 'staff' ? await allStaff(tx, deps.settings.staffRecipients) : [n.to];
      const suppressed = n.aboutSender ? await overAlertCap(tx, deps, n.aboutSender, n.now) : false;
      await queueStaffMessage(tx, deps, { kind: 'staff_alert', data, to, idempotencyKey: n.eventKey, now: n.now, inReplyTo: n.inReplyTo, aboutSender: n.aboutSender, suppressed });
    },
  };
}

async function queueOne(tx: Db, deps: OutboxDeps, req: OutboxRequest, parties: CaseParties): Promise<bigint | undefined> {
  const { intent, now } = req;
  const recipients = await resolveRecipients(tx, intent.to, parties, req, deps.settings.staffRecipients);
  if (recipients.to.length === 0) {
    await appendHistory(tx, { caseId: req.caseId, at: now, actor: 'system', event: 'send.no_recipient', data: { kind: intent.kind, audience: intent.to } });
    deps.log.warn({ case: parties.reference, kind: intent.kind, audience: intent.to }, 'no recipient for message');
    return undefined;
  }
  const kind = intent.kind as OutboundKind;
  const idempotencyKey = `${req.caseId}:${intent.kind}:${intent.to}:${req.eventKey}`;
  const messageId = stableMessageId(idempotencyKey, deps.settings.mailDomain);
  const customerFacing = recipients.audience === 'customer';
  const thread = customerFacing
    ? await customerThread(tx, req.caseId)
    : intent.to === 'actor' && req.answering
      ? { inReplyTo: req.answering, references: [req.answering] }
      : await staffThread(tx, req.caseId);
  // RFC 3834 answers go to the envelope sender; one that is not the From address is told nothing the sender wrote.
  const quote = intent.to !== 'sender' || !req.fromAddress || recipients.to[0] === req.fromAddress.toLowerCase();
  const rendered = renderMessage(kind, messageData(kind, { ...(intent.data ?? {}), ...(quote ? {} : { quote: false }) }, parties, req.facts, deps, now) as never);
  const aboutSender = intent.kind === 'staff_alert' && recipients.audience === 'staff' ? req.aboutSender?.toLowerCase() : undefined;
  const suppressed = intent.automatic ? await overCap(tx, deps, recipients.to, now) : aboutSender ? await overAlertCap(tx, deps, aboutSender, now) : false;
  const raw = await composeMessage({
    from: { name: deps.settings.organisation, address: deps.settings.complaintsAddress },
    to: recipients.to,
    cc: recipients.cc,
    replyTo: plusAddress(deps.settings.complaintsAddress, parties.token),
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
  });
  return storeAndEnqueue(tx, deps, {
    caseId: req.caseId,
    kind: intent.kind,
    idempotencyKey,
    messageId,
    to: [...recipients.to, ...(recipients.cc ?? [])],
    subject: rendered.subject,
    raw,
    automatic: intent.automatic,
    suppressed,
    audience: recipients.audience,
    inReplyTo: thread.inReplyTo,
    aboutSender: aboutSender ?? null,
    now,
  });
}

/** What the outbox stores; it derives status, envelope sender and creation time itself. */
type StoreRequest = Omit<NewOutbound, 'status' | 'envelopeFrom' | 'createdAt' | 'jobId'> & { suppressed: boolean; now: Date };

const suppressionReason = (deps: OutboxDeps, m: StoreRequest) =>
  m.aboutSender
    ? `staff alerts about ${m.aboutSender} capped at ${deps.settings.staffAlertsPerSenderDailyCap} a day`
    : `automatic-message cap of ${deps.settings.autoReplyDailyCap} a day reached`;

async function storeAndEnqueue(tx: Db, deps: OutboxDeps, m: StoreRequest): Promise<bigint | undefined> {
  const jobId = m.suppressed ? null : randomUUID();
  const id = await insertOutbound(tx, { ...m, status: m.suppressed ? 'suppressed' : 'queued', envelopeFrom: deps.settings.complaintsAddress, createdAt: m.now, jobId });
  if (id === undefined) return undefined;
  if (jobId) await enqueueSend(deps.boss, tx, { outboundId: id.toString() }, jobId);
  if (m.caseId !== null) {
    await appendHistory(tx, {
      caseId: m.caseId,
      at: m.now,
      actor: 'system',
      event: m.suppressed ? 'send.suppressed' : 'message.queued',
      data: { kind: m.kind, to: m.to, ...(m.suppressed ? { reason: suppressionReason(deps, m) } : {}) },
      outboundMessageId: id,
    });
  }
  return id;
}

/** A staff message about no single case (the digest, mailbox alerts). */
export async function queueStaffMessage(
  tx: Db,
  deps: OutboxDeps,
  m: { kind: 'staff_digest' | 'staff_alert'; data: Record<string, unknown>; to: string[]; idempotencyKey: string; now: Date; inReplyTo?: string; aboutSender?: string; suppressed?: boolean },
): Promise<bigint | undefined> {
  if (m.to.length === 0) return undefined;
  const rendered = renderMessage(m.kind, m.data as never);
  const messageId = stableMessageId(m.idempotencyKey, deps.settings.mailDomain);
  const raw = await composeMessage({
    from: { name: deps.settings.organisation, address: deps.settings.complaintsAddress },
    to: m.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    inReplyTo: m.inReplyTo,
    references: m.inReplyTo ? [m.inReplyTo] : undefined,
    autoSubmitted: 'auto-generated',
    date: m.now,
    headers: { 'X-Redress-Kind': m.kind },
  });
  return storeAndEnqueue(tx, deps, {
    caseId: null,
    kind: m.kind,
    idempotencyKey: m.idempotencyKey,
    messageId,
    to: m.to,
    subject: rendered.subject,
    raw,
    automatic: false,
    suppressed: m.suppressed ?? false,
    audience: 'staff',
    inReplyTo: m.inReplyTo ?? null,
    aboutSender: m.aboutSender?.toLowerCase() ?? null,
    now: m.now,
  });
}

async function allStaff(tx: Db, staffRecipients: readonly string[]): Promise<string[]> {
  return staffRecipients.length > 0 ? [...staffRecipients] : (await listStaff(tx)).map((s) => s.email);
}

/**
 * Staff alerts caused by one sender's mail are capped per day, so 50 complaints in a minute
 * do not bury staff in 50 alerts. Past the cap each alert is kept as suppressed on the
 * record, and one summary alert says so; the digest counts what was held.
 */
async function overAlertCap(tx: Db, deps: OutboxDeps, sender: string, now: Date): Promise<boolean> {
  const cap = deps.settings.staffAlertsPerSenderDailyCap;
  if ((await staffAlertCountSince(tx, sender, new Date(now.getTime() - DAY_MS))) < cap) return false;
  const day = deps.calendar.localDate(now);
  await queueStaffMessage(tx, deps, {
    kind: 'staff_alert',
    data: {
      organisation: deps.settings.organisation,
      title: `More alerts about ${sender} are held today`,
      owed: `${cap} alerts about ${sender} in 24 hours`,
      details: [`Mail from ${sender} caused ${cap} staff alerts in 24 hours. Further alerts it causes today are not emailed; each stays on its case's record and the digest counts them.`],
      nextSteps: `See what ${sender} sent: \`redress cases --json\` and each case's history. Nothing was dropped.`,
    },
    to: await allStaff(tx, deps.settings.staffRecipients),
    idempotencyKey: `alert-cap:${sender}:${day}`,
    now,
    aboutSender: sender,
  });
  return true;
}

function letterAttachment(data: Record<string, unknown> | undefined) {
  const a = data?.attachment as { filename: string; html: string } | undefined;
  // composeMessage takes a bare type/subtype; the letter declares its charset itself (<meta charset="utf-8">).
  return a ? [{ filename: a.filename, contentType: 'text/html', content: Buffer.from(a.html, 'utf8') }] : undefined;
}

/** RFC 3834 loop protection: no address gets more than the cap of automatic messages a day. */
async function overCap(tx: Db, deps: OutboxDeps, to: string[], now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - DAY_MS);
  for (const address of to) {
    if ((await automaticCountSince(tx, address, since)) >= deps.settings.autoReplyDailyCap) return true;
  }
  return false;
}

async function staffThread(tx: Db, caseId: bigint): Promise<{ inReplyTo: string | null; references: string[] }> {
  const rows = await tx<{ message_id: string }[]>`
    select message_id from outbound_messages where case_id = ${caseId} and audience = 'staff' order by created_at, id limit 1`;
  const first = rows[0]?.message_id ?? null;
  return { inReplyTo: null, references: first ? [first] : [] };
}

/** R10: a printable letter for a customer who asked for post, attached to a staff task to print and post it. */
async function queueLetterTask(tx: Db, deps: OutboxDeps, req: OutboxRequest, parties: CaseParties): Promise<void> {
  const data = (kind: OutboundKind, extra: Record<string, unknown>) => messageData(kind, { ...(req.intent.data ?? {}), ...extra }, parties, req.facts, deps, req.now) as never;
  const kind = req.intent.kind as OutboundKind;
  const text = req.intent.data?.text;
  const body = typeof text === 'string' ? text : renderMessage(kind, data(kind, {})).text;
  const letter = renderMessage('letter', data('letter', { letterOf: req.intent.kind, body }));
  await queueOne(tx, deps, {
    ...req,
    intent: {
      kind: 'staff_alert',
      to: 'staff',
      automatic: false,
      data: {
        title: `Print and post: ${req.intent.kind.replaceAll('_', ' ')} letter (R10)`,
        details: [`The customer asked for writing by post.`, `Address: ${parties.postalAddress ?? 'not on file: ask the customer'}`],
        nextSteps: 'Print the attached letter, post it, and add a #note saying when it was posted.',
        attachment: { filename: `${parties.reference}-${req.intent.kind}.html`, html: letter.html },
      },
    },
    eventKey: `${req.eventKey}:letter:${req.intent.kind}`,
  }, parties);
}
