import type { Forwarded } from '../cases/case-intake.ts';
import { parseCommand } from '../staff/commands.ts';
import type { StoredPlan } from './batch.ts';
import { forwardedOriginal, type LocalTime } from './forwarded.ts';
import { collisionIdentity } from './identity.ts';
import { detectSignals } from './signals.ts';
import type { IntakeInput, ParsedAttachment, ParsedMessage, ParseResult } from './types.ts';

/** A forward's time for the original is believed this far back; older (or later than the forward), the forward's own arrival counts. */
export const FORWARD_DATE_WINDOW_DAYS = 28;
const DAY_MS = 86_400_000;

/** The first line of what a staff member wrote asks for a case: `#open`. */
export function opensCase(newText: string): boolean {
  return /^#open\b/i.test(newText.trimStart());
}

/** The customer's email attached to an `#open` forward (message/rfc822): the part whose bytes the intake reads from the raw forward. */
export function attachedOriginalPart(msg: ParsedMessage): ParsedAttachment | undefined {
  if (!opensCase(msg.newText)) return undefined;
  return msg.attachments.find((a) => /^message\/(rfc822|global)$/.test(a.contentType) && a.size > 0);
}

/** What is stored (or earlier in the batch) under a message's identity or Message-ID: the same message, and an earlier one holding its identity. */
export type StoredLookup = (identity: string, messageId: string | null, content: string) => { same?: { caseId: bigint | null }; first?: { id: () => bigint; from: string | null } };

/**
 * Pure: what a staff member's `#open` holds. The attached original becomes a stored message
 * of its own (the companion, filed on the case it opens), unless that very message is
 * stored already: then, if it is on a case, there is nothing to open. The clocks run from
 * when it reached staff, when the forward says so believably.
 */
export function forwardOpening(
  forward: { input: IntakeInput; msg: ParsedMessage; attached?: { raw: Buffer; parsed: ParseResult; content: string } },
  findStored: StoredLookup,
  context: { local: LocalTime; missingFactsMinWords: number; staff: ReadonlySet<string> },
): { forwarded: Forwarded; companion?: StoredPlan } {
  const { local, missingFactsMinWords } = context;
  const { input, msg } = forward;
  // A command that does not parse opens nothing: the staff member is told why, and nothing is stored beside it.
  if (!parseCommand(msg.newText).ok) return { forwarded: {} };
  const attached = forward.attached?.parsed.ok ? forward.attached.parsed.message : undefined;
  const original = forwardedOriginal(msg, attached, local);
  if (!original) return { forwarded: {} };
  const believable = original.gotAt && original.gotAt <= input.receivedAt && original.gotAt.getTime() >= input.receivedAt.getTime() - FORWARD_DATE_WINDOW_DAYS * DAY_MS;
  const receivedAt = believable ? original.gotAt! : input.receivedAt;
  const view = attached ?? { ...msg, from: original.from, subject: original.subject, text: original.text, newText: original.text, replyTo: [], to: [], cc: [], deliveredTo: [] };
  const forwarded: Forwarded = {
    original: {
      from: original.from,
      subject: original.subject,
      receivedAt,
      receivedFrom: believable ? original.gotFrom! : 'forward',
      signals: detectSignals(view, missingFactsMinWords),
      ...(attached?.messageId ? { messageId: attached.messageId } : {}),
      how: original.how,
    },
  };
  // Staff mail is no customer's complaint: the case domain refuses it, and nothing is stored beside the forward.
  if (!attached || context.staff.has(original.from.address)) return { forwarded };
  const { raw, content } = forward.attached!;
  const stored = findStored(attached.identity, attached.messageId ?? null, content);
  // The very message is stored already (the customer wrote to us too): on a case, there is nothing to open.
  if (stored.same) return { forwarded: stored.same.caseId !== null ? { ...forwarded, alreadyOn: stored.same.caseId } : forwarded };
  const identity = stored.first ? collisionIdentity(attached.identity, content) : attached.identity;
  const companion = companionPlan({ raw, content, identity }, attached, { ...input, receivedAt }, msg, forwarded.original!.signals);
  return { forwarded: { ...forwarded, storedAs: () => companion.row.id }, companion: stored.first ? { ...companion, first: stored.first } : companion };
}

function companionPlan({ raw, content, identity }: { raw: Buffer; content: string; identity: string }, attached: ParsedMessage, forward: IntakeInput, msg: ParsedMessage, signals: ReturnType<typeof detectSignals>): StoredPlan {
  const staff = msg.from?.address ?? 'staff';
  const input: IntakeInput = { raw, receivedAt: forward.receivedAt, source: forward.source, sourceRef: `attached to ${msg.messageId ? `<${msg.messageId}>` : 'a forward'} from ${staff}` };
  return {
    row: {
      id: 0n,
      input,
      identity,
      messageId: attached.messageId ?? null,
      rawSha256: attached.rawSha256,
      contentSha256: content,
      collidesWith: null,
      caseId: null,
      parsed: {
        msg: attached,
        cls: { kind: 'complaint', reasons: [`forwarded-by-staff: ${staff}`], signals },
        senderAuth: { method: 'none', verdict: 'none', detail: [`forwarded by ${staff}, whose message passed sender authentication`] },
      },
    },
    outcome: { status: 'stored', inboundId: 0n, kind: 'complaint', caseOpened: false },
  };
}
