import type { SendIntent } from '../outbound/intents.ts';
import type { StaffCommand } from './commands.ts';

/**
 * Pure: the receipt an email command earns its sender, saying what was done and how to
 * undo it. Every command that ran by email is answered, so a forged one does not pass
 * unseen by the staff member it claims to come from.
 */
export function commandReceipt(c: StaffCommand, details: readonly string[] = []): SendIntent {
  return { kind: 'command_receipt', to: 'actor', automatic: false, data: { verb: c.verb, done: [whatWasDone(c), ...details], undo: howToUndo(c) } };
}

function whatWasDone(c: StaffCommand): string {
  switch (c.verb) {
    case 'outcome':
      return 'Recorded the outcome and sent it to the customer, asking them to confirm the case may be closed (R10).';
    case 'note':
      return 'Added a note; the next progress update to the customer will use it (R3).';
    case 'reply':
      return 'Sent your reply to the customer.';
    case 'escalate':
      return { supervisor: 'Made a supervisor the owner (R5).', engineering: 'Referred the case to engineering and made it the owner (R6).', director: 'Escalated the case to the Director and told the customer (R7).' }[c.to];
    case 'flag':
      return `Flagged the case ${c.flag}.`;
    case 'unflag':
      return `Took the flag ${c.flag} off the case.`;
    case 'deadlock':
      return 'Sent the deadlock letter to the customer (R15).';
    case 'refuse-deadlock':
      return `Refused the deadlock letter (reason: ${c.reason}) and told the customer (R15).`;
    case 'withdrawn':
      return 'Closed the case as withdrawn by the customer (R17).';
    case 'reopen':
      return 'Reopened the case; its deadlines are planned again.';
    case 'assign':
      return 'Assigned the case to you (R4).';
    case 'confirmed-by-post':
      return `Closed the case as confirmed by the customer's letter dated ${c.on}, and sent them the closure notice (R11).`;
    case 'open':
      return c.acknowledgedBy
        ? `Opened the case for the complaint you forwarded, and recorded that you acknowledged it by ${c.acknowledgedBy} (R1): no acknowledgement email was sent.`
        : 'Opened the case for the complaint you forwarded, and sent the customer the acknowledgement (R1).';
    case 'acknowledged':
      return `Recorded that you acknowledged the complaint by ${c.by} (R1).`;
  }
}

function howToUndo(c: StaffCommand): string {
  switch (c.verb) {
    case 'outcome':
      return 'An email cannot be recalled. Send #outcome again with the corrected text, or #reply to explain.';
    case 'note':
      return 'Send a new #note: the latest note is the one used.';
    case 'reply':
      return 'An email cannot be recalled. Send a correcting #reply.';
    case 'escalate':
      return c.to === 'director'
        ? 'The customer has been told; the Director escalation stays on the record. A supervisor can take the case on with #escalate supervisor.'
        : 'Send #escalate with the right team to hand the case on.';
    case 'flag':
      return c.flag === 'technical' ? 'Engineering has been alerted; the referral ends when engineering acts on the case.' : `Send #unflag ${c.flag}.`;
    case 'unflag':
      return `Send #flag ${c.flag}.`;
    case 'deadlock':
    case 'refuse-deadlock':
      return 'The letter has been sent and cannot be recalled. Write to the customer with #reply if it was a mistake.';
    case 'withdrawn':
      return 'Send #reopen.';
    case 'reopen':
      return 'Send #withdrawn if the customer withdrew the complaint.';
    case 'assign':
      return 'Another member of staff can take the case with #assign.';
    case 'confirmed-by-post':
      return 'Send #reopen; the closure notice has been sent and cannot be recalled, so write to the customer with #reply.';
    case 'open':
      return 'Send #withdrawn on this case if it was opened in error.';
    case 'acknowledged':
      return 'The acknowledgement stays on the record; add a #note if it was recorded in error.';
  }
}
