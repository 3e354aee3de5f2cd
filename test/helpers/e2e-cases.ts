import { cliRunner, type CliResult } from './cli.ts';
import type { SinkMessage } from './smtp-sink.ts';
import { header, type E2E } from './e2e.ts';
import { testConfig } from './test-config.ts';

/** Shared steps of the end-to-end tests: open a case by email, act on it as staff, read what was sent. */

export const COMPLAINT = 'I was charged twice for my August bill. I have called twice and nobody has refunded the second payment. Please refund it.';

export interface OpenedCase {
  complaintId: string;
  ack: SinkMessage;
  reference: string;
  token: string;
  id: bigint;
}

/** A complaint by email, then run-due: the case and its acknowledgement (R1). */
export async function openCase(e: E2E, from: string, body = COMPLAINT, subject = 'Complaint about my account'): Promise<OpenedCase> {
  const complaintId = await e.email({ from, subject, body });
  await e.runDue();
  const [row] = await e.db.sql<{ id: bigint; reference: string; token: string }[]>`
    select c.id, c.reference, c.token from cases c join inbound_messages i on i.case_id = c.id where i.message_id = ${complaintId}`;
  if (!row) throw new Error(`no case was opened for ${complaintId}`);
  const ack = e.sent('ack').find((m) => header(m, 'in-reply-to') === `<${complaintId}>`);
  if (!ack) throw new Error(`no acknowledgement for ${row.reference}`);
  return { complaintId, ack, reference: row.reference, token: row.token, id: row.id };
}

/** A staff member's command by email, naming the case in the subject; then run-due. Returns its Message-ID. */
export async function staffSays(e: E2E, from: string, reference: string, body: string): Promise<string> {
  const id = await e.email({ from, subject: `Re: [${reference}] complaint`, body });
  await e.runDue();
  return id;
}

/** Messages the sink received for one address, optionally of one kind. */
export function sentTo(e: E2E, address: string, kind?: string): SinkMessage[] {
  return e.sent(kind).filter((m) => m.envelope.to.includes(address));
}

export function kindOf(m: SinkMessage): string | undefined {
  return header(m, 'x-redress-kind');
}

export async function caseRow(e: Pick<E2E, 'db'>, reference: string): Promise<Record<string, unknown>> {
  const [row] = await e.db.sql`select * from cases where reference = ${reference}`;
  if (!row) throw new Error(`no case ${reference}`);
  return row;
}

export async function historyEvents(e: Pick<E2E, 'db'>, reference: string): Promise<{ event: string; actor: string; data: Record<string, unknown> }[]> {
  return e.db.sql<{ event: string; actor: string; data: Record<string, unknown> }[]>`
    select h.event, h.actor, h.data from case_history h join cases c on c.id = h.case_id where c.reference = ${reference} order by h.id`;
}

/** The lines of a digest's text part between the counts and the footer. */
export function digestText(m: SinkMessage): string {
  return m.parsed.text ?? '';
}

/** `redress ARGS...` as a child process on the test's database, at the test's clock (REDRESS_NOW). */
export function redressAt(e: E2E, args: string[]): Promise<CliResult> {
  const env = { PATH: testConfig.path, DATABASE_URL: e.db.url, REDRESS_DATA_DIR: e.app.dataDir, LOG_LEVEL: 'silent', REDRESS_NOW: e.app.clock.now().toISOString() };
  return cliRunner(() => env)(args);
}
