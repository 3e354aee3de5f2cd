import { randomUUID } from 'node:crypto';
import type { App } from '../app.ts';
import { openComplaint } from '../cases/advance.ts';
import { RedressError } from '../errors.ts';
import { textSignals } from '../intake/signals.ts';
import { checkAddress } from '../outbound/compose.ts';
import type { BusinessCalendar } from '../policy/calendar.ts';
import { ACKNOWLEDGEMENT_CHANNELS, type AcknowledgementChannel } from '../staff/commands.ts';
import { findStaffByEmail } from '../staff/staff-repo.ts';
import { CHANNELS, type Channel } from '../vocabulary.ts';
import { actionText } from './case-actions.ts';

/** The channels staff take a complaint by; an email opens its own case (or is forwarded with #open). */
export const TAKEN_CHANNELS = CHANNELS.filter((c): c is Exclude<Channel, 'email'> => c !== 'email');

export interface CaseOpenOptions {
  channel?: string;
  customer?: string;
  name?: string;
  receivedAt?: string;
  subject?: string;
  text?: string;
  textFile?: string;
  by?: string;
  acknowledgedBy?: string;
}

/** What `redress case open --json` prints. */
export interface CaseOpened {
  reference: string;
  channel: Channel;
  customer: string;
  received_at: string;
  acknowledged_by: AcknowledgementChannel | null;
  /** When R1 falls due (met already when acknowledged by phone). */
  ack_due_at: string | null;
}

/**
 * `redress case open`: a complaint taken by phone, in the member portal or by letter becomes
 * a case with the same clocks as an email, from the moment it was received.
 */
export async function runCaseOpen(app: App, opts: CaseOpenOptions): Promise<CaseOpened> {
  const channel = oneOf(opts.channel, TAKEN_CHANNELS, '--channel', '(a complaint by email opens its own case)');
  const acknowledgedBy = opts.acknowledgedBy === undefined ? undefined : oneOf(opts.acknowledgedBy, ACKNOWLEDGEMENT_CHANNELS, '--acknowledged-by', '(without it the acknowledgement goes by email)');
  const customer = required(opts.customer, '--customer EMAIL').trim().toLowerCase();
  try {
    checkAddress(customer, '--customer');
  } catch (err) {
    throw new RedressError('invalid_input', err instanceof Error ? err.message : String(err));
  }
  const subject = required(opts.subject, '--subject TEXT').trim();
  const text = (await actionText(opts))?.trim();
  if (!text) throw new RedressError('invalid_input', 'give what the customer said with --text TEXT or --text-file FILE');
  const now = app.clock.now();
  const receivedAt = opts.receivedAt === undefined ? now : receivedInstant(opts.receivedAt, app.lifecycle.domain.calendar, now);
  const staff = await findStaffByEmail(app.db.sql, required(opts.by, '--by STAFF_EMAIL'));
  if (!staff) throw new RedressError('forbidden', `${opts.by} is not an active staff member; add them with \`redress staff add ${opts.by} --role ROLE\``);
  const settings = app.intake.settings;
  const kase = await app.db.sql.begin((tx) =>
    openComplaint(
      tx,
      app.lifecycle,
      settings,
      {
        from: { address: customer, ...(opts.name?.trim() ? { name: opts.name.trim() } : {}) },
        subject,
        receivedAt,
        channel,
        signals: textSignals(subject, text, settings.missingFactsMinWords),
        actor: `staff:${staff.email}`,
        record: { channel, text },
      },
      { staff: staff.email, ...(acknowledgedBy ? { acknowledgedBy } : {}), eventKey: `cli:${randomUUID()}` },
    ),
  );
  const ack = kase.deadlines.find((d) => d.kind === 'ack');
  return {
    reference: kase.reference,
    channel,
    customer,
    received_at: receivedAt.toISOString(),
    acknowledged_by: acknowledgedBy ?? null,
    ack_due_at: ack ? ack.dueAt.toISOString() : null,
  };
}

/** One line for a person: the reference first. */
export function describeOpened(o: CaseOpened, calendar: BusinessCalendar): string {
  const at = (iso: string) => `${calendar.formatLocal(new Date(iso))} ${calendar.formatLocalTime(new Date(iso))}`;
  const ack = o.acknowledged_by ? `acknowledged by ${o.acknowledged_by} (R1)` : `acknowledgement email queued (R1 due ${o.ack_due_at ? at(o.ack_due_at) : '-'})`;
  return `${o.reference}: opened for ${o.customer} (${o.channel}), received ${at(o.received_at)}; ${ack}`;
}

/**
 * --received-at: an ISO 8601 instant with its offset, or a local time without one
 * (2026-09-04T16:55), read in the business time zone as staff noted it. Never in the future.
 */
function receivedInstant(value: string, calendar: BusinessCalendar, now: Date): Date {
  const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)$/.exec(value.trim());
  const at = local ? safely(() => calendar.atLocal(local[1]!, local[2]!)) : /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value.trim()) ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new RedressError('invalid_input', `--received-at must be a time such as 2026-09-04T16:55 (business time zone) or 2026-09-04T15:55:00Z, got ${JSON.stringify(value)}`);
  }
  if (at > now) throw new RedressError('invalid_input', `--received-at ${value} is in the future`);
  return at;
}

function safely(f: () => Date): Date | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new RedressError('invalid_input', `case open needs ${flag}`);
  return value;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, note: string): T {
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  throw new RedressError('invalid_input', `${flag} must be one of ${allowed.join(', ')} ${note}, got ${JSON.stringify(value ?? '')}`);
}
