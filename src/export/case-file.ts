import { createHash } from 'node:crypto';
import { humanDuration } from '../reports/report.ts';
import type { AttachmentRecord, CaseRecord, DeadlineRecord, InboundRecord, OutboundRecord } from './case-file-repo.ts';

/**
 * Pure: the Ombudsman's case file from everything stored about a case. Each message is its raw
 * `.eml` exactly as it arrived or was sent, each attachment its bytes, and the timeline lists
 * every history entry, every deadline with how it was kept, and the outcome and closure.
 * What retention or erasure removed is listed as purged, never silently left out.
 */
export const CASE_FILE_FORMAT = 'redress-case-file/1';

export interface CaseFileEntry {
  path: string;
  content: Buffer;
}

export interface TimelineMessage {
  n: number;
  /** Path of the raw message in the case file; null when it was purged. */
  file: string | null;
  direction: 'in' | 'out';
  kind: string;
  at: string;
  from: string | null;
  to: string[];
  subject: string | null;
  message_id: string | null;
  sha256: string | null;
  status: string | null;
  purged: boolean;
  attachments: { file: string | null; filename: string | null; content_type: string; size_bytes: number; sha256: string; purged: boolean }[];
}

export interface TimelineDeadline {
  rule: string;
  kind: string;
  set_at: string;
  due_at: string;
  status: string;
  resolved_at: string | null;
  /** How late it was kept (missed), or has waited so far (overdue); null when on time or not owed. */
  late_seconds: number | null;
  verdict: string;
}

export interface TimelineEvent {
  id: number;
  at: string;
  actor: string;
  event: string;
  data: Record<string, unknown>;
  /** The message the entry is about, by its number in `messages`. */
  message: number | null;
}

/** The JSON of `timeline.json`: a public interface, add fields, never rename. */
export interface Timeline {
  format: typeof CASE_FILE_FORMAT;
  exported_at: string;
  organisation: string;
  case: {
    reference: string;
    status: string;
    channel: string;
    subject: string;
    received_at: string;
    acknowledged_at: string | null;
    owner_role: string;
    flags: string[];
    customer: { email: string | null; name: string | null };
    representative: { email: string | null; name: string | null } | null;
  };
  outcome: { text: string | null; sent_at: string | null };
  closure: { closed_at: string | null; reason: string | null; confirmed_by: string | null; letter_date: string | null };
  /** Set when retention or an erasure request removed raw mail and personal data. */
  purged: { at: string | null; reason: string | null; note: string; messages: number; attachments: number } | null;
  messages: TimelineMessage[];
  deadlines: TimelineDeadline[];
  events: TimelineEvent[];
}

export function buildCaseFile(r: CaseRecord, exportedAt: Date, organisation: string): { entries: CaseFileEntry[]; timeline: Timeline } {
  const entries: CaseFileEntry[] = [];
  const ordered = orderedMessages(r);
  const messages = ordered.map((m, i) => describeMessage(m, i + 1, r.attachments, entries));
  const number = new Map(ordered.map((m, i) => [messageKey(m), i + 1]));
  const k = r.kase;
  const closed = [...r.history].reverse().find((h) => h.event === 'case.closed');
  const timeline: Timeline = {
    format: CASE_FILE_FORMAT,
    exported_at: exportedAt.toISOString(),
    organisation,
    case: {
      reference: k.reference,
      status: k.status,
      channel: k.channel,
      subject: k.subject,
      received_at: k.received_at.toISOString(),
      acknowledged_at: iso(k.acknowledged_at),
      owner_role: k.owner_role,
      flags: k.flags,
      customer: { email: k.customer_email, name: k.customer_name },
      representative: k.representative_email || k.representative_name ? { email: k.representative_email, name: k.representative_name } : null,
    },
    outcome: { text: k.outcome, sent_at: iso(k.outcome_sent_at) },
    closure: {
      closed_at: iso(k.closed_at),
      reason: k.closure_reason,
      confirmed_by: k.closed_at && typeof closed?.data.confirmed_by === 'string' ? closed.data.confirmed_by : null,
      letter_date: k.closed_at && typeof closed?.data.letter_date === 'string' ? closed.data.letter_date : null,
    },
    purged: purged(r, messages),
    messages,
    deadlines: r.deadlines.map((d) => describeDeadline(d, exportedAt)),
    events: r.history.map((h) => ({
      id: Number(h.id),
      at: h.at.toISOString(),
      actor: h.actor,
      event: h.event,
      data: h.data,
      message: (h.inbound_message_id !== null ? number.get(`in:${h.inbound_message_id}`) : h.outbound_message_id !== null ? number.get(`out:${h.outbound_message_id}`) : undefined) ?? null,
    })),
  };
  return { entries, timeline };
}

type Message = { direction: 'in'; m: InboundRecord } | { direction: 'out'; m: OutboundRecord };

function orderedMessages(r: CaseRecord): Message[] {
  const all: Message[] = [...r.inbound.map((m) => ({ direction: 'in' as const, m })), ...r.outbound.map((m) => ({ direction: 'out' as const, m }))];
  const at = (x: Message) => (x.direction === 'in' ? x.m.received_at : x.m.created_at).getTime();
  return all.sort((a, b) => at(a) - at(b) || (a.direction === b.direction ? Number(a.m.id - b.m.id) : a.direction === 'in' ? -1 : 1));
}

function messageKey(x: Message): string {
  return `${x.direction}:${x.m.id}`;
}

function describeMessage(x: Message, n: number, attachments: AttachmentRecord[], entries: CaseFileEntry[]): TimelineMessage {
  const name = `messages/${pad(n)}-${x.direction}-${x.m.kind}.eml`;
  const raw = x.m.raw;
  if (raw) entries.push({ path: name, content: raw });
  const common = { n, file: raw ? name : null, direction: x.direction, kind: x.m.kind, subject: x.m.subject, message_id: x.m.message_id, purged: raw === null };
  if (x.direction === 'out') {
    return { ...common, at: x.m.created_at.toISOString(), from: null, to: x.m.to_addresses, sha256: raw ? sha256(raw) : null, status: x.m.status, attachments: [] };
  }
  const own = attachments.filter((a) => a.inbound_message_id === x.m.id);
  return {
    ...common,
    at: x.m.received_at.toISOString(),
    from: x.m.from_address,
    to: x.m.to_addresses,
    sha256: x.m.raw_sha256,
    status: null,
    attachments: own.map((a, i) => {
      const file = a.content ? `attachments/${pad(n)}-${i + 1}-${safeName(a.filename)}` : null;
      if (file) entries.push({ path: file, content: a.content! });
      return { file, filename: a.filename, content_type: a.content_type, size_bytes: a.size_bytes, sha256: a.sha256, purged: a.content === null };
    }),
  };
}

function describeDeadline(d: DeadlineRecord, exportedAt: Date): TimelineDeadline {
  const base = { rule: d.rule, kind: d.kind, set_at: d.created_at.toISOString(), due_at: d.due_at.toISOString(), status: d.status, resolved_at: iso(d.resolved_at) };
  const lateBy = (until: Date) => Math.round((until.getTime() - d.due_at.getTime()) / 1000);
  switch (d.status) {
    case 'met':
      return { ...base, late_seconds: null, verdict: `met at ${iso(d.resolved_at)}` };
    case 'missed': {
      const late = lateBy(d.resolved_at ?? exportedAt);
      return { ...base, late_seconds: late, verdict: `missed by ${humanDuration(late)}` };
    }
    case 'pending': {
      if (d.due_at > exportedAt) return { ...base, late_seconds: null, verdict: 'pending' };
      const late = lateBy(exportedAt);
      return { ...base, late_seconds: late, verdict: `overdue by ${humanDuration(late)} at export` };
    }
    case 'replanned':
      return { ...base, late_seconds: null, verdict: `replanned at ${iso(d.resolved_at)}: a later due date replaced it` };
    default:
      return { ...base, late_seconds: null, verdict: `${d.status} at ${iso(d.resolved_at)}: no longer owed` };
  }
}

function purged(r: CaseRecord, messages: TimelineMessage[]): Timeline['purged'] {
  const redactedMessages = messages.filter((m) => m.purged).length;
  const redactedAttachments = messages.reduce((n, m) => n + m.attachments.filter((a) => a.purged).length, 0);
  if (!r.kase.redacted_at && redactedMessages + redactedAttachments === 0) return null;
  const redaction = [...r.history].reverse().find((h) => h.event === 'case.redacted');
  return {
    at: iso(r.kase.redacted_at ?? redaction?.at ?? null),
    reason: typeof redaction?.data.reason === 'string' ? redaction.data.reason : null,
    note: 'Raw mail, attachments and personal data of this case were purged (retention period or erasure request); this file holds what is left, and every purged message is listed.',
    messages: redactedMessages,
    attachments: redactedAttachments,
  };
}

/** A name safe on any file system and in a zip: letters, digits, dot, dash, underscore. */
function safeName(filename: string | null): string {
  const cleaned = (filename ?? '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-100);
  return cleaned || 'attachment';
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function pad(n: number): string {
  return String(n).padStart(3, '0');
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
