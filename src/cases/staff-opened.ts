import type { SendIntent } from '../outbound/intents.ts';
import { parseCommand, type AcknowledgementChannel } from '../staff/commands.ts';
import { commandReceipt } from '../staff/receipts.ts';
import { advance, noticeToStaff, type EventContext } from './apply.ts';
import { openCase, recordOnCase, type Arrival, type CaseIntakeSettings, type Forwarded, type NewComplaint } from './case-intake.ts';
import { caseOf, type CaseState, type DomainDeps, type World } from './world.ts';

/** How a staff member opened a case for a customer. */
export interface StaffOpening {
  staff: string;
  /** Staff acknowledged the complaint themselves (R1 "via telephone or email"): no acknowledgement email. */
  acknowledgedBy?: AcknowledgementChannel;
  /** The answer to an emailed `#open`; the CLI prints its own. */
  receipt?: SendIntent;
  /** One event, one effect: 'in:<inbound id>' for email, 'cli:<uuid>' for the CLI. */
  eventKey: string;
  /** Message-ID of the staff member's mail, which the receipt answers. */
  answering?: string;
}

/**
 * Pure: a complaint staff took by phone, portal or letter, or a customer's email they
 * forwarded, becomes a case with the same clocks as one emailed to us, from the moment it
 * was received. The customer is acknowledged by email (R1) unless staff did so by phone,
 * which keeps R1 now and says so on the record. Opening is not the review of R4: the case
 * waits in the digest like any new one.
 */
export function openForCustomer(world: World, deps: DomainDeps, settings: CaseIntakeSettings, c: NewComplaint, o: StaffOpening): CaseState {
  const kase = openCase(world, deps, settings, c);
  startClocks(world, deps, kase, c, o);
  return kase;
}

/** The opened case's first decisions: acknowledged by email or by phone (R1), and the rest of `opened`. */
function startClocks(world: World, deps: DomainDeps, kase: CaseState, c: NewComplaint, o: StaffOpening): void {
  const ctx: EventContext = {
    eventKey: o.eventKey,
    actor: `staff:${o.staff}`,
    inboundMessageId: c.inboundId,
    senderAddress: c.from.address,
    fromAddress: c.from.address,
    aboutSender: c.from.address,
    ...(o.receipt ? { staffAddress: o.staff, answering: o.answering } : {}),
  };
  advance(world, deps, kase.id, { type: 'opened', acknowledgedBy: o.acknowledgedBy, receipt: o.receipt }, ctx);
  if (o.acknowledgedBy) advance(world, deps, kase.id, { type: 'acknowledged', by: o.acknowledgedBy }, { ...ctx, eventKey: `${o.eventKey}:acknowledged` });
}

/**
 * A staff member's `#open` that names no case: the customer's email they forwarded (attached
 * or inline) becomes a case of the customer's, received when it reached staff, the forward
 * filed on it beside the stored original, and the staff member gets a receipt. A forward
 * whose original is on a case already, or holds none, opens nothing and says why.
 */
export function openForwarded(world: World, deps: DomainDeps, settings: CaseIntakeSettings, a: Arrival): { caseId?: bigint; reference?: string; opened: boolean } {
  const staff = a.msg.from!.address;
  const parsed = parseCommand(a.msg.newText);
  const notDone = (details: string[], nextSteps: string) =>
    noticeToStaff(world, deps, { to: staff, title: 'Command #open not carried out', details, nextSteps, eventKey: `in:${a.inboundId}:open`, inReplyTo: a.msg.messageId });
  const f = a.forwarded!;
  if (!parsed.ok || parsed.command.verb !== 'open') {
    notDone([parsed.ok ? 'The first line is not #open.' : parsed.error], 'Send the forward again with #open alone on the first line (and #acknowledged phone on the next if you acknowledged it by phone).');
    return { opened: false };
  }
  if (f.alreadyOn !== undefined) {
    const kase = caseOf(world, f.alreadyOn);
    recordOnCase(world, kase, a);
    notDone([`The message you forwarded is already on ${kase.reference}: the customer sent it to us too.`], `Act on ${kase.reference}; a second case would split the complaint.`);
    return { caseId: kase.id, reference: kase.reference, opened: false };
  }
  const o = f.original;
  if (!o) {
    notDone(['No forwarded email with a sender address was found in your message.'], "Forward the customer's email inline or as an attachment, with #open on the first line.");
    return { opened: false };
  }
  if (world.staff.some((s) => s.email === o.from.address)) {
    notDone([`The forwarded message is from ${o.from.address}, a staff address: a case is opened for the customer who complained.`], "Forward the customer's own email, or open the case with `redress case open`.");
    return { opened: false };
  }
  const received = `${deps.calendar.formatLocal(o.receivedAt)} ${deps.calendar.formatLocalTime(o.receivedAt)}`;
  const details = [`Customer: ${o.from.name ? `${o.from.name} <${o.from.address}>` : o.from.address}.`, `Received ${received} (${RECEIVED_FROM[o.receivedFrom]}); the deadlines run from then.`];
  const c: NewComplaint = {
    from: o.from,
    subject: o.subject,
    receivedAt: o.receivedAt,
    channel: 'email',
    signals: o.signals,
    actor: `staff:${staff}`,
    inboundId: f.storedAs ? f.storedAs() : a.inboundId,
    ...(o.messageId ? { messageId: o.messageId } : {}),
    record: { channel: 'email', forwarded: o.how, received_from: o.receivedFrom },
  };
  const kase = openCase(world, deps, settings, c);
  recordOnCase(world, kase, a);
  startClocks(world, deps, kase, c, {
    staff,
    ...(parsed.command.acknowledgedBy ? { acknowledgedBy: parsed.command.acknowledgedBy } : {}),
    receipt: commandReceipt(parsed.command, details),
    eventKey: `in:${a.inboundId}`,
    answering: a.msg.messageId,
  });
  return { caseId: kase.id, reference: kase.reference, opened: true };
}

const RECEIVED_FROM: Record<NonNullable<Forwarded['original']>['receivedFrom'], string> = {
  received: 'when it reached your mailbox, from its delivery stamp',
  date: 'the date the customer sent it',
  'forwarded-date': 'the date your forward shows',
  forward: 'when your forward arrived: the forward gave no believable earlier time',
};
