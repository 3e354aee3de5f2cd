import type { AuthResult, SenderAuth } from './sender-auth.ts';

/** What a message turned out to be. Mirrors the `inbound_messages.kind` check constraint. */
export type MessageKind =
  | 'complaint'
  | 'reply'
  | 'confirmation'
  | 'not_resolved'
  | 'deadlock_request'
  | 'staff'
  | 'auto_reply'
  | 'bounce'
  | 'read_receipt'
  | 'spam'
  | 'other'
  | 'quarantined';

export type IntakeSource = 'imap' | 'smtp' | 'lmtp' | 'file';

/** What a customer's message on a case may ask for. */
export type CustomerReplyKind = 'reply' | 'confirmation' | 'not_resolved' | 'deadlock_request';

export interface IntakeLimits {
  maxMessageBytes: number;
  maxAttachments: number;
  maxHeaderBytes: number;
  maxMimeDepth: number;
  /** Give up on a message mailparser has not finished within this many ms (default 30 000). */
  parseTimeoutMs?: number;
}

export interface Address {
  address: string; // lower-cased
  name?: string;
}

export interface ParsedAttachment {
  filename?: string;
  contentType: string;
  size: number;
  sha256: string;
  contentId?: string;
  inline: boolean;
  content: Buffer;
}

/** Delivery status notification (bounce) details, when the message is one. */
export interface DeliveryReport {
  failedRecipients: string[];
  /** Message-ID of the message that bounced, from the returned headers, without angle brackets. */
  originalMessageId?: string;
  status?: string; // e.g. '5.1.1'
  action?: string; // failed | delayed | ...
  diagnostic?: string;
  permanent: boolean;
}

export interface ParsedMessage {
  /** "mid:<message-id>" or "sha256:<hex of raw>". */
  identity: string;
  messageId?: string; // without angle brackets
  rawSha256: string;
  size: number;
  from?: Address;
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  /** Delivered-To / X-Original-To, lower-cased: where our plus-addressed token may survive. */
  deliveredTo: string[];
  subject: string;
  date?: Date;
  inReplyTo?: string; // without angle brackets
  references: string[]; // without angle brackets, oldest first
  /** Lower-cased header name -> every value, decoded to text, top to bottom. */
  headers: Record<string, string[]>;
  /** Every header field in order, top to bottom: where the MTA's own fields end matters (sender-auth.ts). */
  headerLines: { name: string; value: string }[];
  /** Top-level MIME type, lower-cased, e.g. 'multipart/report'. */
  contentType: string;
  /** report-type parameter of a multipart/report, lower-cased. */
  reportType?: string;
  /** Full plain text as sent (derived from HTML when there is no text part). */
  text: string;
  /** The text the sender actually wrote: quoted history and signature removed. */
  newText: string;
  /** Sanitised HTML, safe to show staff; undefined when the message had no HTML. */
  htmlSanitized?: string;
  attachments: ParsedAttachment[];
  deliveryReport?: DeliveryReport;
  /** Limits the message breached (it is still parsed when it can be), e.g. 'attachments: 73 > 50'. */
  limitBreaches: string[];
}

export type ParseResult =
  | { ok: true; message: ParsedMessage }
  | { ok: false; identity: string; rawSha256: string; size: number; reason: string; limitBreaches: string[]; messageId?: string };

/** Priority and handling signals a complaint carries (R2, R6, R8, R9, R10). */
export interface ComplaintSignals {
  vulnerable: boolean; // R8
  urgent: boolean; // R8
  harm: boolean; // R8 significant harm
  technical: boolean; // R6
  thirdParty?: { customerName?: string; customerEmail?: string }; // R9
  missingFacts: boolean; // R2
  preferredFormat: 'text' | 'html' | 'post'; // R10
  /** Short human-readable evidence for each signal, e.g. 'vulnerable: "I am disabled"'. */
  evidence: string[];
}

/** What the threading lookup found for a message (the database part is done by the caller). */
export interface ThreadMatch {
  caseId: bigint;
  reference: string;
  via: 'headers' | 'token' | 'reference';
  /** Addresses that may speak for the case (customer, representative), lower-cased. */
  caseAddresses: string[];
  status: string;
  /** Why the thread cannot be the customer's own, when it cannot (e.g. it answers a message only staff received). */
  forged?: string;
}

export interface ClassifyContext {
  ownAddresses: ReadonlySet<string>;
  staffAddresses: ReadonlySet<string>;
  /** When true a staff message counts as staff only with a sender-authentication pass. */
  staffAuthRequired: boolean;
  /** Whether the sender is who the From claims (sender-auth.ts). */
  senderAuth: SenderAuth;
  /** The case the message threads to by our Message-IDs or by reference+token, if any. */
  thread: ThreadMatch | null;
  /** Case references named in subject/body without a valid token (for staff, and for the "stranger" rule). */
  namedReference: ThreadMatch | null;
  missingFactsMinWords: number;
}

export interface Classification {
  kind: Exclude<MessageKind, 'quarantined'>;
  /** Why, in short machine-readable phrases, e.g. ['auto-submitted: auto-replied']. */
  reasons: string[];
  /** The case this message counts for, if any. */
  caseId?: bigint;
  /** A customer action (confirmation, reply, ...) that may not act: recorded on the case and shown to staff. */
  refused?: { kind: CustomerReplyKind; reason: string };
  signals?: ComplaintSignals; // for complaints (and replies, which may raise flags)
}

/** One message handed to the intake use case by a source (IMAP, SMTP/LMTP, a file). */
export interface IntakeInput {
  raw: Buffer;
  /** When the mailbox received it: IMAP INTERNALDATE, SMTP session time, or --received-at. */
  receivedAt: Date;
  source: IntakeSource;
  /** Where it came from, for the record: 'INBOX;uidvalidity=..;uid=..', an SMTP session id, a file path. */
  sourceRef?: string;
  /** MAIL FROM as the SMTP/LMTP session gave it ('' for the null sender). */
  envelopeFrom?: string;
  /** SPF/DKIM/DMARC results Redress computed itself as the receiving server (SMTP intake without AUTHSERV_ID). */
  receiverAuth?: AuthResult[];
}

export interface IntakeOutcome {
  /** 'duplicate': its identity was already stored, nothing was written. */
  status: 'stored' | 'duplicate';
  inboundId: bigint;
  kind: MessageKind;
  caseReference?: string;
  caseOpened: boolean;
}

/**
 * Runs inside the intake transaction after the message is stored (or found already
 * stored), so a source can advance its cursor atomically with the message.
 */
export type AfterStore = (tx: import('../db/pool.ts').Db) => Promise<void>;

export type ProcessMessage = (input: IntakeInput, afterStore?: AfterStore) => Promise<IntakeOutcome>;
