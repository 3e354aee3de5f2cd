import type { Db } from '../db/pool.ts';
import { listHistory, type HistoryRow } from '../cases/history-repo.ts';
import { outboundSource, type StoredContent } from '../outbound/compose.ts';

/** Everything stored about one case, for the Ombudsman's case file (`redress case REF export`). */
export interface CaseRecord {
  kase: {
    id: bigint;
    reference: string;
    status: string;
    channel: string;
    subject: string;
    received_at: Date;
    acknowledged_at: Date | null;
    outcome: string | null;
    outcome_sent_at: Date | null;
    closed_at: Date | null;
    closure_reason: string | null;
    flags: string[];
    owner_role: string;
    redacted_at: Date | null;
    customer_email: string | null;
    customer_name: string | null;
    representative_email: string | null;
    representative_name: string | null;
  };
  inbound: InboundRecord[];
  attachments: AttachmentRecord[];
  outbound: OutboundRecord[];
  deadlines: DeadlineRecord[];
  history: HistoryRow[];
}

export interface InboundRecord {
  id: bigint;
  message_id: string | null;
  kind: string;
  received_at: Date;
  from_address: string | null;
  to_addresses: string[];
  subject: string | null;
  raw: Buffer | null;
  raw_sha256: string;
  size_bytes: number;
  redacted_at: Date | null;
}

export interface AttachmentRecord {
  id: bigint;
  inbound_message_id: bigint;
  filename: string | null;
  content_type: string;
  size_bytes: number;
  sha256: string;
  /** The bytes; null when purged, or (straight from the database) when they are read from the raw message by `part_id`. */
  content: Buffer | null;
  /** The attachment's part of its raw message (rows since 0009); absent or null when `content` holds it. */
  part_id?: string | null;
}

export interface OutboundRecord {
  id: bigint;
  message_id: string;
  kind: string;
  audience: string;
  to_addresses: string[];
  subject: string;
  status: string;
  created_at: Date;
  sent_at: Date | null;
  raw: Buffer | null;
}

export interface DeadlineRecord {
  id: bigint;
  rule: string;
  kind: string;
  due_at: Date;
  status: string;
  created_at: Date;
  resolved_at: Date | null;
}

export async function loadCaseRecord(db: Db, reference: string): Promise<CaseRecord | undefined> {
  const [kase] = await db<[CaseRecord['kase']?]>`
    select c.id, c.reference, c.status, c.channel, c.subject, c.received_at, c.acknowledged_at, c.outcome, c.outcome_sent_at,
      c.closed_at, c.closure_reason, c.flags, c.owner_role, c.redacted_at,
      cu.email as customer_email, cu.display_name as customer_name, re.email as representative_email, re.display_name as representative_name
    from cases c join customers cu on cu.id = c.customer_id left join customers re on re.id = c.representative_id
    where c.reference = ${reference.toUpperCase()}`;
  if (!kase) return undefined;
  const inbound = await db<InboundRecord[]>`
    select id, message_id, kind, received_at, from_address, to_addresses, subject, raw, raw_sha256, size_bytes, redacted_at
    from inbound_messages where case_id = ${kase.id} order by received_at, id`;
  const attachments = await db<AttachmentRecord[]>`
    select a.id, a.inbound_message_id, a.filename, a.content_type, a.size_bytes, a.sha256, a.content, a.part_id
    from attachments a join inbound_messages i on i.id = a.inbound_message_id where i.case_id = ${kase.id} order by a.id`;
  const stored = await db<(Omit<OutboundRecord, 'raw'> & { raw: Buffer | null; content: StoredContent | null })[]>`
    select id, message_id, kind, audience, to_addresses, subject, status, created_at, sent_at, raw, content
    from outbound_messages where case_id = ${kase.id} order by created_at, id`;
  // A message not yet sent is filed as the bytes its send will compose.
  const outbound = await Promise.all(stored.map(async ({ content, ...m }) => ({ ...m, raw: await outboundSource({ raw: m.raw, content }) })));
  const deadlines = await db<DeadlineRecord[]>`
    select id, rule, kind, due_at, status, created_at, resolved_at from deadlines where case_id = ${kase.id} order by due_at, id`;
  return { kase, inbound, attachments, outbound, deadlines, history: await listHistory(db, kase.id) };
}
