import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type { App } from '../app.ts';
import { findCaseByReference } from '../cases/cases-repo.ts';
import { RedressError } from '../errors.ts';
import { buildCommand } from '../staff/commands.ts';
import { actOnCase } from '../cases/advance.ts';
import { runStaffCommand } from '../cases/staff-actions.ts';
import { findStaffByEmail, type StaffRow } from '../staff/staff-repo.ts';

export const CASE_ACTIONS = ['resolve', 'note', 'reply', 'escalate', 'flag', 'unflag', 'deadlock', 'refuse-deadlock', 'withdrawn', 'reopen', 'assign', 'confirmed', 'acknowledged'] as const;

export interface CaseActionOptions {
  outcomeFile?: string;
  text?: string;
  textFile?: string;
  by?: string;
  /** confirmed: the customer confirmed by post (R11), in a letter dated `on`. */
  byPost?: boolean;
  on?: string;
}

/** The CLI twin of the email commands: same parser, same use case, same history. */
export async function runCaseAction(app: App, reference: string, action: string, args: string[], opts: CaseActionOptions): Promise<string> {
  if (!(CASE_ACTIONS as readonly string[]).includes(action)) {
    throw new RedressError('invalid_input', `unknown action ${JSON.stringify(action)}; one of ${CASE_ACTIONS.join(', ')}`);
  }
  const [verb, arg] = action === 'confirmed' ? ['confirmed-by-post', postedOn(opts)] : [action === 'resolve' ? 'outcome' : action, args.join(' ')];
  const text = await actionText(opts);
  const parsed = buildCommand(verb, arg, text ?? arg);
  if (!parsed.ok) throw new RedressError('invalid_input', parsed.error);
  const staff = await actingStaff(app, opts.by);
  const decision = await app.db.sql.begin(async (tx) => {
    const kase = await findCaseByReference(tx, reference);
    if (!kase) throw new RedressError('not_found', `no case ${reference}`);
    return actOnCase(tx, app.lifecycle, kase.id, (world, domain) => runStaffCommand(world, domain, { caseId: kase.id, parsed, staff, eventKey: `cli:${randomUUID()}`, answerByEmail: false }));
  });
  if (decision.error) throw new RedressError('conflict', decision.error);
  return `${reference}: ${decision.history.map((h) => h.event).join(', ') || verb}${decision.sends.length ? `; queued ${decision.sends.map((s) => s.kind).join(', ')}` : ''}`;
}

/** An emailed confirmation is read from the customer's own mail; staff record only one that came by post. */
function postedOn(opts: CaseActionOptions): string {
  if (!opts.byPost || !opts.on) throw new RedressError('invalid_input', 'confirmed records a confirmation that came by post: give --by-post --on YYYY-MM-DD (the date of the letter)');
  return opts.on;
}

export async function actionText(opts: Pick<CaseActionOptions, 'outcomeFile' | 'text' | 'textFile'>): Promise<string | undefined> {
  const file = opts.outcomeFile ?? opts.textFile;
  if (file) {
    const text = (await fs.readFile(file, 'utf8')).trim();
    if (!text) throw new RedressError('invalid_input', `${file} is empty`);
    return text;
  }
  return opts.text;
}

/** --by names the staff member acting (recorded in the history); without it the operator acts as a supervisor. */
async function actingStaff(app: App, by: string | undefined): Promise<Pick<StaffRow, 'id' | 'email' | 'role'>> {
  if (!by) return { id: 0n, email: 'operator (cli)', role: 'supervisor' };
  const staff = await findStaffByEmail(app.db.sql, by);
  if (!staff) throw new RedressError('forbidden', `${by} is not an active staff member; add them with \`redress staff add ${by} --role ROLE\``);
  return staff;
}
