import { runCaseAction } from '../../src/cli/case-actions.ts';
import { runDue } from '../../src/jobs/run-due.ts';
import type { RetentionDeps } from '../../src/retention/purge.ts';
import type { TestApp } from '../helpers/app.ts';
import { rawMail, type Mail } from '../helpers/e2e.ts';

/** Cases built by the real intake and the staff actions, for the retention and erasure tests. */
export interface Opened {
  id: bigint;
  reference: string;
  messageId: string;
}

let n = 0;

/** Mail received now through the intake use case; returns its Message-ID. */
export async function receive(app: TestApp, m: Mail): Promise<string> {
  n += 1;
  const id = `m${n}-${app.clock.now().getTime()}@example.com`;
  await app.process({ raw: Buffer.from(rawMail(m, id, app.clock.now())), receivedAt: app.clock.now(), source: 'file', sourceRef: `/var/mail/in/${id}.eml` });
  return id;
}

export async function complain(app: TestApp, from: string, subject: string, body: string, attachment?: { filename: string; content: string }): Promise<Opened> {
  const mail: Mail = attachment
    ? { from, subject, body: multipart(body, attachment), headers: { 'Content-Type': 'multipart/mixed; boundary="b1"' } }
    : { from, subject, body };
  const messageId = await receive(app, mail);
  const [row] = await app.db.sql<{ id: bigint; reference: string }[]>`
    select c.id, c.reference from cases c join inbound_messages i on i.case_id = c.id where i.message_id = ${messageId}`;
  if (!row) throw new Error(`no case opened by ${messageId}`);
  return { ...row, messageId };
}

function multipart(body: string, a: { filename: string; content: string }): string {
  return [
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '--b1',
    `Content-Type: application/pdf; name="${a.filename}"`,
    `Content-Disposition: attachment; filename="${a.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(a.content).toString('base64'),
    '--b1--',
  ].join('\r\n');
}

export const act = (app: TestApp, reference: string, action: string, text?: string) => runCaseAction(app, reference, action, [], { text });

/** Sends what is queued and fires what is due, as `redress run-due` does. */
export const settle = (app: TestApp) => runDue(app.runDue);

/** R10 outcome, then R11 the customer confirms by email: closed (confirmed), closure notice sent. */
export async function resolveAndConfirm(app: TestApp, c: Opened, from: string, outcome: string): Promise<void> {
  await act(app, c.reference, 'resolve', outcome);
  await settle(app);
  const [sent] = await app.db.sql<{ message_id: string; subject: string }[]>`select message_id, subject from outbound_messages where case_id = ${c.id} and kind = 'outcome'`;
  await receive(app, { from, subject: `Re: ${sent!.subject}`, body: 'Yes, resolved, thank you. You can close it.', inReplyTo: sent!.message_id.replace(/^<|>$/g, '') });
  await settle(app);
}

export function retentionDeps(app: TestApp, days = 1095): RetentionDeps {
  return { sql: app.db.sql, clock: app.clock, log: app.log, retentionDaysAfterClose: days };
}

export const DAY = 86_400_000;
