/** The outbound message kinds and the data each template is filled with. */
export const OUTBOUND_KINDS = [
  'ack',
  'progress',
  'outcome',
  'closure_confirmed',
  'closure_no_response',
  'director_escalation',
  'adr_notice',
  'deadlock_letter',
  'deadlock_refusal',
  'reply',
  'staff_alert',
  'staff_digest',
  'command_receipt',
  'letter',
] as const;

export type OutboundKind = (typeof OUTBOUND_KINDS)[number];

/** Fields of every customer-facing message about a case. Dates arrive formatted for the reader. */
export interface CaseMessageData {
  organisation: string;
  reference: string;
  /** The per-case token; the footer carries `threadingTag(reference, token)`. */
  token: string;
  customerName?: string;
  /** The customer's own subject line; may be empty. */
  caseSubject: string;
  receivedDate: string;
  eightWeekDate: string;
  replyAddress: string;
  /** R9: a complaint made on someone's behalf; the message greets the representative and names the customer. */
  representative?: { name?: string };
}

/** R1 acknowledgement; R2 when the complaint lacks subject matter or facts. */
export interface AckData extends CaseMessageData {
  missingInfo: boolean;
  /** When the first progress update (R3) is due, if known. */
  nextUpdateDate?: string;
}

/** R3 progress update: from the latest staff note when there is one, else "still investigating". */
export interface ProgressData extends CaseMessageData {
  update?: { progress: string; proposedActions?: string; expectedTimeframe?: string };
  nextUpdateDate: string;
}

/** R10 outcome, asking the customer to confirm the case may be closed (R11/R12). */
export interface OutcomeData extends CaseMessageData {
  outcomeText: string;
  /** The date the case closes without a reply (R12). */
  closeDate: string;
  replyWithinBusinessDays: number;
}

/** R11 closure after the customer confirmed. */
export interface ClosureConfirmedData extends CaseMessageData {
  closedDate: string;
  /** Set when the customer confirmed by post: the date of their letter. */
  letterDate?: string;
}

/** R12 closure after no reply to the outcome message. */
export interface ClosureNoResponseData extends CaseMessageData {
  closedDate: string;
  outcomeSentDate: string;
}

/** Why a case went to the Director (R7): unhappy with the handling, with the outcome (R13), or support could not resolve it. */
export type DirectorReason = 'handling' | 'outcome' | 'unresolved';

/** R7/R13 escalation to the Director of Customer Service. */
export interface DirectorEscalationData extends CaseMessageData {
  reason: DirectorReason;
  escalatedDate: string;
  determinationDueDate: string;
}

/** The ADR scheme customers are sent to (R14, R15, R16): from config, never written into a template. */
export interface AdrScheme {
  name: string;
  /** Postal address, one line per entry. */
  address: string[];
  email: string;
  phone: string;
  textphone: string;
  web: string;
}

/** R14 written notice of the right to go to the Ombudsman at 8 weeks. */
export interface AdrNoticeData extends CaseMessageData {
  adrScheme: AdrScheme;
  /** The date of the notice: the customer has 12 months from it to go to the scheme. */
  letterDate: string;
}

/** R15 deadlock letter: our final position and the customer's ADR rights. */
export interface DeadlockLetterData extends CaseMessageData {
  finalPosition: string;
  issuedDate: string;
  adrScheme: AdrScheme;
}

/** R15 refusal reasons, as the code of practice words them. */
export type DeadlockRefusalReason = 'timely' | 'vexatious' | 'jurisdiction';

export interface DeadlockRefusalData extends CaseMessageData {
  reason: DeadlockRefusalReason;
  /** Named where the refusal points to the scheme (at 8 weeks) or says it is outside its jurisdiction. */
  adrScheme: AdrScheme;
  /** Optional words from staff under the standard reason. */
  explanation?: string;
}

/** A free-text reply written by staff. */
export interface ReplyData extends CaseMessageData {
  body: string;
  staffName?: string;
}

/** To staff: something is owed on a case (Director escalation, bounce, send failure, 8-week warning, ...). */
export interface StaffAlertData {
  organisation: string;
  title: string;
  reference?: string;
  /** What is owed, in a sentence: "The Director's determination is due". */
  owed: string;
  dueDate?: string;
  details: string[];
  nextSteps: string;
  priority?: boolean;
}

/** To the staff member whose email command ran: what was done and how to undo it, so a forgery does not pass unseen. */
export interface CommandReceiptData {
  organisation: string;
  reference: string;
  verb: string;
  done: string[];
  undo: string;
}

export interface DigestCounts {
  newAwaitingReview: number;
  priority: number;
  dueToday: number;
  overdue: number;
  escalations: number;
  awaitingConfirmation: number;
  adrHorizon: number;
  bounces: number;
  quarantined: number;
}

export interface DigestLine {
  reference: string;
  /** What is owed on the case. */
  text: string;
  priority: boolean;
}

export interface DigestSection {
  title: string;
  lines: DigestLine[];
  /** Cases (or mail) in the section beyond the lines listed, and the commands that list them; null when all are listed. */
  more: { count: number; where: string[] } | null;
}

export interface StaffDigestData {
  organisation: string;
  date: string;
  counts: DigestCounts;
  sections: DigestSection[];
}

/** R10 printable letter, for customers who asked to hear by post. */
export interface LetterData extends CaseMessageData {
  customerName: string;
  postalAddress: string[];
  letterDate: string;
  body: string;
  organisationAddress?: string[];
  /** When set, the letter asks the customer to confirm by this date that the case may be closed (R10/R12). */
  confirmBy?: string;
  /** The kind of message the letter carries; the ADR letters (R14, R15) print their own sections instead of `body`. */
  letterOf?: string;
  adrScheme?: AdrScheme;
  finalPosition?: string;
  issuedDate?: string;
}

export interface MessageDataByKind {
  ack: AckData;
  progress: ProgressData;
  outcome: OutcomeData;
  closure_confirmed: ClosureConfirmedData;
  closure_no_response: ClosureNoResponseData;
  director_escalation: DirectorEscalationData;
  adr_notice: AdrNoticeData;
  deadlock_letter: DeadlockLetterData;
  deadlock_refusal: DeadlockRefusalData;
  reply: ReplyData;
  staff_alert: StaffAlertData;
  staff_digest: StaffDigestData;
  command_receipt: CommandReceiptData;
  letter: LetterData;
}

export type DataFor<K extends OutboundKind> = MessageDataByKind[K];

