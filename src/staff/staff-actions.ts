import { advanceCase, type LifecycleDeps } from '../cases/advance.ts';
import type { Decision } from '../cases/lifecycle.ts';
import type { Db } from '../db/pool.ts';
import type { LocalDay } from '../cases/staff-decisions.ts';
import type { ParsedCommand, StaffCommand } from './commands.ts';
import type { StaffRow } from './staff-repo.ts';

export interface StaffAction {
  caseId: bigint;
  parsed: ParsedCommand;
  staff: Pick<StaffRow, 'id' | 'email' | 'role'>;
  /** 'in:<inbound id>' for email, 'cli:<uuid>' for the CLI: one command, one effect. */
  eventKey: string;
  inboundMessageId?: bigint;
  /** Message-ID of the command email, so an error answer threads to it. */
  messageId?: string;
  /** Email commands are answered by email; the CLI prints its own errors. */
  answerByEmail: boolean;
}

/** One path for staff commands by email and by CLI; a failure is recorded and answered to that staff member only. */
export async function runStaffCommand(tx: Db, deps: LifecycleDeps, a: StaffAction): Promise<Decision> {
  const ctx = { eventKey: a.eventKey, actor: `staff:${a.staff.email}`, inboundMessageId: a.inboundMessageId, staffAddress: a.answerByEmail ? a.staff.email : undefined, answering: a.messageId };
  const event = a.parsed.ok
    ? { type: 'staff_command' as const, command: a.parsed.command, staff: { email: a.staff.email, role: a.staff.role, id: a.staff.id }, channel: a.answerByEmail ? ('email' as const) : ('cli' as const), letterDay: letterDay(deps, a.parsed.command) }
    : { type: 'invalid_command' as const, error: a.parsed.error };
  return advanceCase(tx, deps, a.caseId, event, ctx);
}

/** A letter's date means the whole of that day in the business time zone. */
function letterDay(deps: LifecycleDeps, c: StaffCommand): LocalDay | undefined {
  if (c.verb !== 'confirmed-by-post') return undefined;
  const start = deps.calendar.startOfLocalDate(c.on);
  return { start, end: deps.calendar.addCalendarDays(start, 1) };
}
