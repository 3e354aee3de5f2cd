import type { CustomerReplyKind, Format, MessageKind } from '../vocabulary.ts';

/**
 * The model of a received message, as the intake parsed and classified it: what the
 * domain (cases) is handed. Plain data; no parsing or I/O lives here.
 */

export interface Address {
  address: string; // lower-cased
  name?: string;
}

/**
 * An attachment as received: described, with its first bytes for classification. The whole of
 * it stays in the raw message, found by its part id (intake/attachment-content.ts).
 */
export interface ParsedAttachment {
  /** The MIME part number, IMAP style ('2', '1.3'); '1' for the body of a message that is not multipart. */
  partId: string;
  filename?: string;
  contentType: string;
  size: number;
  /** sha256 of the decoded bytes. */
  sha256: string;
  contentId?: string;
  inline: boolean;
  /** The first decoded bytes (up to 256 KiB): what classification reads. */
  head: Buffer;
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

/** Priority and handling signals a complaint carries (R2, R6, R8, R9, R10). */
export interface ComplaintSignals {
  vulnerable: boolean; // R8
  urgent: boolean; // R8
  harm: boolean; // R8 significant harm
  technical: boolean; // R6
  thirdParty?: { customerName?: string; customerEmail?: string }; // R9
  missingFacts: boolean; // R2
  preferredFormat: Format; // R10
  /** Short human-readable evidence for each signal, e.g. 'vulnerable: "I am disabled"'. */
  evidence: string[];
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

