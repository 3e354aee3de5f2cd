import type { ParsedCommand, StaffCommand } from '../staff/commands.ts';
import type { StaffRole } from '../vocabulary.ts';
import { advance } from './apply.ts';
import type { Decision } from './decision.ts';
import type { LocalDay } from './staff-decisions.ts';
import type { DomainDeps, World } from './world.ts';

export interface StaffAction {
  caseId: bigint;
  parsed: ParsedCommand;
  staff: { id: bigint; email: string; role: StaffRole };
  /** 'in:<inbound id>' for email, 'cli:<uuid>' for the CLI: one command, one effect. */
  eventKey: string;
  inboundMessageId?: bigint;
  /** Message-ID of the command email, so an answer threads to it. */
  messageId?: string;
  /** Email commands are answered by email (receipts, errors); the CLI prints its own. */
  answerByEmail: boolean;
}

/** One path for staff commands by email and by CLI; a failure is recorded and answered to that staff member only. */
export function runStaffCommand(world: World, deps: DomainDeps, a: StaffAction): Decision {
  const ctx = { eventKey: a.eventKey, actor: `staff:${a.staff.email}`, inboundMessageId: a.inboundMessageId, staffAddress: a.answerByEmail ? a.staff.email : undefined, answering: a.messageId };
  const event = a.parsed.ok
    ? { type: 'staff_command' as const, command: a.parsed.command, staff: { email: a.staff.email, role: a.staff.role, id: a.staff.id }, channel: a.answerByEmail ? ('email' as const) : ('cli' as const), letterDay: letterDay(deps, a.parsed.command) }
    : { type: 'invalid_command' as const, error: a.parsed.error };
  return advance(world, deps, a.caseId, event, ctx);
}

/** A letter's date means the whole of that day in the business time zone. */
function letterDay(deps: DomainDeps, c: StaffCommand): LocalDay | undefined {
  if (c.verb !== 'confirmed-by-post') return undefined;
  const start = deps.calendar.startOfLocalDate(c.on);
  return { start, end: deps.calendar.addCalendarDays(start, 1) };
}
