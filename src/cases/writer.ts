import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/pool.ts';
import { storedContent } from '../outbound/compose.ts';
import { insertOutbound, markBounced, reserveOutbound } from '../outbound/outbox-repo.ts';
import { insertCases, updateCaseFacts } from './cases-repo.ts';
import { writeCustomers } from './customers-repo.ts';
import { writeDeadlines } from './deadlines-repo.ts';
import { appendHistoryMany } from './history-repo.ts';
import type { Changes } from './world.ts';

/** Puts send jobs on the queue inside the caller's transaction (pg-boss, wired by the composition root). */
export type EnqueueSends = (tx: Tx, jobs: { jobId: string; outboundId: bigint }[]) => Promise<unknown>;

/**
 * The one writer: everything a batch of decisions changed, in a fixed number of round trips
 * whatever the batch size (ids for the planned messages, then every statement pipelined in
 * foreign-key order). `more` adds the caller's own rows (the inbound messages) after the
 * cases they point at and before the history that points at them.
 */
export async function persist(tx: Tx, enqueue: EnqueueSends, changes: Changes, more: () => Promise<unknown>[] = () => []): Promise<void> {
  const messages = changes.messages;
  const pending = reserveOutbound(tx, messages.length);
  // The send composes the MIME bytes; intake keeps what the message says.
  const contents = messages.map((m) => storedContent(m.compose));
  const ids = await pending;
  messages.forEach((m, i) => (m.id = ids[i]!));
  const outbound = messages.map((m, i) => ({ m, content: contents[i]!, jobId: m.status === 'queued' ? randomUUID() : null }));
  const customers = [...changes.customers].map((c) => ({ id: c.id, email: c.email, displayName: c.displayName, preferredFormat: c.preferredFormat, isNew: c.isNew }));
  const cases = [...changes.cases];
  const jobs = outbound.flatMap((o) => (o.jobId ? [{ jobId: o.jobId, outboundId: o.m.id! }] : []));
  // Each statement is sent as it is listed (postgres.js sends a query only once started), so the
  // order below is the order on the wire: rows before the rows that point at them.
  await Promise.all(
    [
      () => writeCustomers(tx, customers.filter((c) => c.isNew), customers.filter((c) => !c.isNew)),
      () => insertCases(tx, cases.filter((c) => c.isNew)),
      () => updateCaseFacts(tx, cases.filter((c) => !c.isNew)),
      more,
      () => markBounced(tx, changes.bounced),
      () => insertOutbound(tx, outbound),
      () => (jobs.length > 0 ? enqueue(tx, jobs) : undefined),
      () => appendHistoryMany(tx, changes.history.map((h) => ({ caseId: h.caseId, at: h.at, actor: h.actor, event: h.event, data: h.data, inboundMessageId: h.inboundMessageId, outboundMessageId: h.outbound?.id }))),
      () => writeDeadlines(tx, [...changes.deadlines]),
    ].flatMap((step) => [step()].flat().map(started)),
  );
}

/** Starts a postgres.js query now (it would wait to be awaited); anything else is already running. */
function started(x: unknown): unknown {
  const q = x as { execute?: () => unknown } | undefined;
  return typeof q?.execute === 'function' ? q.execute() : x;
}
