import type { Classification, ParsedMessage } from '../mail/message.ts';
import type { IntakeSource, MessageKind } from '../vocabulary.ts';
import type { BatchItem } from './batch.ts';
import type { AuthResult, SenderAuth } from './sender-auth.ts';

export type { Address, Classification, ComplaintSignals, DeliveryReport, ParsedAttachment, ParsedMessage } from '../mail/message.ts';
export type { CustomerReplyKind, IntakeSource, MessageKind } from '../vocabulary.ts';


export interface IntakeLimits {
  maxMessageBytes: number;
  maxAttachments: number;
  maxHeaderBytes: number;
  maxMimeDepth: number;
  /** Give up on a message mailparser has not finished within this many ms (default 30 000). */
  parseTimeoutMs?: number;
}

export type ParseResult =
  | { ok: true; message: ParsedMessage }
  | { ok: false; identity: string; rawSha256: string; size: number; reason: string; limitBreaches: string[]; messageId?: string };

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

/** Many messages in one transaction, `afterStore` inside it; throws when the batch failed (no message of it was stored). */
export type ProcessBatch = (inputs: readonly IntakeInput[], afterStore?: (tx: import('../db/pool.ts').Tx, stored: readonly IntakeInput[]) => Promise<void>) => Promise<IntakeOutcome[]>;

/** A batch parsed and hashed, not yet read against the database: what a source can get ready while the batch before it commits. */
export interface PreparedBatch {
  readonly inputs: readonly IntakeInput[];
  readonly items: readonly BatchItem[];
}

/** The batch path in its two steps: `prepare` touches no database, so it may run while the previous batch commits. */
export interface BatchIntake {
  prepare(inputs: readonly IntakeInput[]): Promise<PreparedBatch>;
  /** Like ProcessBatch, for a prepared batch. */
  commit(prepared: PreparedBatch, afterStore?: (tx: import('../db/pool.ts').Tx, stored: readonly IntakeInput[]) => Promise<void>): Promise<IntakeOutcome[]>;
}
