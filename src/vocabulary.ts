/**
 * The product's vocabulary, defined once: every status, role, flag, kind and format the
 * code, the CLI and the database's check constraints agree on (a test compares them with
 * the constraints). Add a word here first; never spell one out anywhere else.
 */

export const CASE_STATUSES = ['new', 'open', 'awaiting_confirmation', 'closed', 'withdrawn'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** Statuses in which a case still owes the customer something. */
export const OPEN_STATUSES: readonly CaseStatus[] = ['new', 'open', 'awaiting_confirmation'];
export const isOpen = (status: CaseStatus): boolean => OPEN_STATUSES.includes(status);

export const CLOSURE_REASONS = ['confirmed', 'no_response', 'withdrawn'] as const;

/** How a complaint reached us: the Code of Practice takes them by phone, the member portal and letter too (`cases.channel`). */
export const CHANNELS = ['email', 'phone', 'portal', 'letter'] as const;
export type Channel = (typeof CHANNELS)[number];
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

/** Who owns a case, and who may act on one: R4 rep, R5 supervisor, R6 engineering, R7 director. */
export const STAFF_ROLES = ['rep', 'supervisor', 'engineering', 'director'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export type OwnerRole = StaffRole;

export const CASE_FLAGS = ['vulnerable', 'urgent', 'harm', 'repeat', 'technical', 'third_party', 'missing_facts', 'vexatious', 'out_of_jurisdiction'] as const;
export type CaseFlag = (typeof CASE_FLAGS)[number];
/** R8: these make a case a priority referral, shown first in digests. */
export const PRIORITY_FLAGS: readonly CaseFlag[] = ['vulnerable', 'urgent', 'harm', 'repeat'];

/** R10: how a customer wants to hear from us. */
export const FORMATS = ['text', 'html', 'post'] as const;
export type Format = (typeof FORMATS)[number];

/** What an inbound message turned out to be (`inbound_messages.kind`). */
export const MESSAGE_KINDS = ['complaint', 'reply', 'confirmation', 'not_resolved', 'deadlock_request', 'staff', 'auto_reply', 'bounce', 'read_receipt', 'spam', 'other', 'quarantined'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
/** What a customer's message on a case may ask for. */
export const CUSTOMER_REPLY_KINDS = ['reply', 'confirmation', 'not_resolved', 'deadlock_request'] as const;
export type CustomerReplyKind = (typeof CUSTOMER_REPLY_KINDS)[number];
/** Inbound kinds that belong to the conversation with the customer (threading of our answers). */
export const CONVERSATION_KINDS: readonly MessageKind[] = ['complaint', ...CUSTOMER_REPLY_KINDS];

export const INTAKE_SOURCES = ['imap', 'smtp', 'lmtp', 'file'] as const;
export type IntakeSource = (typeof INTAKE_SOURCES)[number];

export const OUTBOUND_STATUSES = ['queued', 'sent', 'failed', 'bounced', 'suppressed'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];
/** Who an outbound message was written for. */
export const AUDIENCES = ['customer', 'staff'] as const;
export type MessageAudience = (typeof AUDIENCES)[number];

export const DEADLINE_STATUSES = ['pending', 'met', 'cancelled', 'replanned', 'missed'] as const;
export type DeadlineStatus = (typeof DEADLINE_STATUSES)[number];
