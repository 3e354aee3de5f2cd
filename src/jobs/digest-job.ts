import { emptyChanges } from '../cases/world.ts';
import { persist, type EnqueueSends } from '../cases/writer.ts';
import type { Sql } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { planStaffMessage, type OutboxContext } from '../outbound/planner.ts';
import type { StaffDigestData } from '../outbound/render.ts';
import { claimDigestDay, digestSent, lastDigestAt, loadDigestFacts } from '../staff/digest-repo.ts';
import { composeDigest, digestDue, digestWindows } from '../staff/digest.ts';
import { listStaff } from '../staff/staff-repo.ts';

export interface DigestDeps {
  sql: Sql;
  log: Logger;
  outbox: OutboxContext;
  enqueue: EnqueueSends;
  digestTime: string;
  /** Lines listed per digest section (DIGEST_MAX_ITEMS); the counts cover everything. */
  maxItems: number;
}

const DAY_MS = 86_400_000;

export async function buildDigest(deps: DigestDeps, now: Date): Promise<StaffDigestData> {
  const { calendar, policy, settings } = deps.outbox;
  const { dueBefore, horizon } = digestWindows(now, calendar, policy);
  // One snapshot, so the sections and their counts agree; its queries also go pipelined on one
  // connection, which on 2 cores beat two dozen backends side by side (100k open cases: 1.35 s against 1.8-2.2 s).
  const facts = await deps.sql.begin('isolation level repeatable read read only', async (tx) => {
    const since = (await lastDigestAt(tx)) ?? new Date(now.getTime() - DAY_MS);
    return loadDigestFacts(tx, { now, dueBefore, horizon, since }, deps.maxItems);
  });
  return composeDigest(facts, now, calendar, settings.organisation);
}

/** The daily digest (business days, at DIGEST_TIME), claimed per day so it goes out once. */
export async function sendDigestIfDue(deps: DigestDeps, now: Date): Promise<boolean> {
  const { calendar, settings } = deps.outbox;
  if (!digestDue(now, calendar, deps.digestTime)) return false;
  const day = calendar.localDate(now);
  // Every tick after DIGEST_TIME lands here; building the digest only to find it sent wasted a query batch each time.
  if (await digestSent(deps.sql, day)) return false;
  const staff = await listStaff(deps.sql);
  const to = settings.staffRecipients.length > 0 ? [...settings.staffRecipients] : staff.map((s) => s.email);
  // No staff yet: the day stays unclaimed, so staff added later today still get it.
  if (to.length === 0) return false;
  const digest = await buildDigest(deps, now);
  const sent = await deps.sql.begin(async (tx) => {
    if (!(await claimDigestDay(tx, day, now, digest.counts))) return false;
    const changes = emptyChanges();
    const ledger = { automatic: new Map(), alertsAbout: new Map(), summaries: new Set<string>(), planned: new Set<string>() };
    changes.messages.push(...planStaffMessage(deps.outbox, staff, ledger, { kind: 'staff_digest', data: digest as unknown as Record<string, unknown>, to, idempotencyKey: `digest:${day}`, now }).messages);
    await persist(tx, deps.enqueue, changes);
    return true;
  });
  if (sent) deps.log.info({ day, recipients: to.length, counts: digest.counts }, 'digest queued');
  return sent;
}
