import type { MessageAudience, OutboundStatus, StaffRole } from '../vocabulary.ts';
import type { ComposeInput } from './compose.ts';

/** Who a message goes to: the customer side, the customer side at the registered address (R10's outcome), the sender of the mail answered (RFC 3834), the staff member who acted, a staff role, or all staff. */
export type Audience = 'customer' | 'registered' | 'sender' | 'actor' | StaffRole | 'staff';

/** What the lifecycle wants sent; the outbox planner turns it into a message. */
export interface SendIntent {
  kind: string;
  to: Audience;
  /** RFC 3834: automatic replies carry Auto-Submitted and count against the per-address cap. */
  automatic: boolean;
  data?: Record<string, unknown>;
}

/** A row the writer will store in `outbound_messages`; `id` is filled when ids are allocated. */
export interface PlannedMessage {
  id?: bigint;
  caseId: bigint | null;
  kind: string;
  idempotencyKey: string;
  messageId: string;
  to: string[];
  subject: string;
  status: Extract<OutboundStatus, 'queued' | 'suppressed'>;
  automatic: boolean;
  audience: MessageAudience;
  envelopeFrom: string;
  inReplyTo: string | null;
  aboutSender: string | null;
  createdAt: Date;
  /** Everything but the raw bytes, which are composed after planning (composition is async). */
  compose: ComposeInput;
}

/**
 * A history entry before it has ids: it points at the inbound or planned message it is
 * about, whose ids the writer knows when it stores them.
 */
export interface HistoryDraft {
  caseId: bigint;
  at: Date;
  actor: string;
  event: string;
  data?: Record<string, unknown>;
  inboundMessageId?: bigint;
  outbound?: PlannedMessage;
}
