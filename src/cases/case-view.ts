import type { Db } from '../db/pool.ts';
import { RedressError } from '../errors.ts';
import { findCaseByReference, listCases, type CaseRow } from './cases-repo.ts';
import { listHistory } from './history-repo.ts';

/** The JSON shape `redress cases --json` prints: a public interface, add fields, never rename. */
export interface CaseSummary {
  reference: string;
  status: string;
  subject: string;
  customer: string | null;
  representative: string | null;
  owner_role: string;
  flags: string[];
  priority: boolean;
  received_at: string;
  /** How the complaint reached us: email, phone, portal or letter. */
  channel: string;
  closed_at: string | null;
  closure_reason: string | null;
}

/** `after` is a case reference: the page starts with the case opened after it (keyset on the case id, a stable order). */
export async function caseSummaries(db: Db, opts: { status?: string; after?: string; limit?: number } = {}): Promise<CaseSummary[]> {
  let afterId: bigint | undefined;
  if (opts.after !== undefined) {
    const after = await findCaseByReference(db, opts.after);
    if (!after) throw new RedressError('not_found', `no case ${opts.after} to page after`);
    afterId = after.id;
  }
  const rows = await listCases(db, { status: opts.status, afterId, limit: opts.limit });
  const emails = await emailsById(db, rows.flatMap((r) => [r.customer_id, r.representative_id]));
  return rows.map((r) => summary(r, emails));
}

/** `redress case REF --json`: the case with its customer, flags, messages and history. */
export async function caseDetail(db: Db, reference: string) {
  const kase = await findCaseByReference(db, reference);
  if (!kase) return undefined;
  const people = await db<{ id: bigint; email: string | null; display_name: string | null; preferred_format: string; registered_email: string | null; account: string | null }[]>`
    select id, email, display_name, preferred_format, registered_email, account from customers where id in (${kase.customer_id}, ${kase.representative_id ?? kase.customer_id})`;
  const person = (id: bigint | null) => {
    const p = people.find((x) => x.id === id);
    return p ? { email: p.email, name: p.display_name, preferred_format: p.preferred_format, registered_email: p.registered_email, account: p.account } : null;
  };
  const inbound = await db`
    select id, kind, received_at, from_address, subject, body_text, quarantine_reason, limit_breaches,
           classification -> 'reasons' as reasons, message_id
    from inbound_messages where case_id = ${kase.id} order by received_at, id`;
  const outbound = await db`
    select id, kind, created_at, sent_at, to_addresses, subject, status, message_id
    from outbound_messages where case_id = ${kase.id} order by created_at, id`;
  const deadlines = await db`
    select rule, kind, due_at, status, resolved_at from deadlines where case_id = ${kase.id} order by due_at, id`;
  const history = await listHistory(db, kase.id);
  const emails = await emailsById(db, [kase.customer_id, kase.representative_id]);
  return {
    ...summary(kase, emails),
    token: kase.token,
    outcome: kase.outcome,
    customer: person(kase.customer_id),
    representative: person(kase.representative_id),
    messages: {
      inbound: inbound.map((m) => ({ direction: 'in', ...m })),
      outbound: outbound.map((m) => ({ direction: 'out', ...m })),
    },
    deadlines,
    history,
  };
}

function summary(r: CaseRow, emails: Map<bigint, string | null>): CaseSummary {
  return {
    reference: r.reference,
    status: r.status,
    subject: r.subject,
    customer: emails.get(r.customer_id) ?? null,
    representative: r.representative_id ? (emails.get(r.representative_id) ?? null) : null,
    owner_role: r.owner_role,
    flags: r.flags,
    priority: r.priority,
    received_at: r.received_at.toISOString(),
    channel: r.channel,
    closed_at: r.closed_at?.toISOString() ?? null,
    closure_reason: r.closure_reason,
  };
}

async function emailsById(db: Db, ids: (bigint | null)[]): Promise<Map<bigint, string | null>> {
  const wanted = [...new Set(ids.filter((i): i is bigint => i !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db<{ id: bigint; email: string | null }[]>`select id, email from customers where id = any(${wanted.map(String)}::bigint[])`;
  return new Map(rows.map((r) => [r.id, r.email]));
}
