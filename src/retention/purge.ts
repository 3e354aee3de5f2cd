import type { Clock } from '../clock.ts';
import type { Sql } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { addCounts, NOTHING_REDACTED, peopleOn, recordRedaction } from './record.ts';
import {
  caselessReceivedBefore,
  dropCaselessOutboundBefore,
  eraseCustomers,
  expiredCases,
  redactCases,
  redactInbound,
  type RedactionCounts,
  type Tx,
} from './retention-repo.ts';

export interface RetentionDeps {
  sql: Sql;
  clock: Clock;
  log: Logger;
  retentionDaysAfterClose: number;
}

/** The JSON `redress purge --json` prints: a public interface, add fields, never rename. */
export interface PurgeReport extends RedactionCounts {
  dry_run: boolean;
  closed_before: string;
  /** References of the cases redacted (or that would be). */
  cases: string[];
  customers: number;
  /** Ids of the erasures rows written (none on a dry run or when nothing changed). */
  erasures: number[];
}

const DAY_MS = 86_400_000;
/** Cases per transaction: each batch commits with its own record, so a long first purge makes steady progress. */
const BATCH = 200;

/**
 * `redress purge`: cases closed or withdrawn more than RETENTION_DAYS_AFTER_CLOSE days ago
 * lose their raw mail, attachments, bodies and personal data; so does mail that never
 * joined a case. A dry run does the same work in one transaction and rolls it back, so
 * its figures are exactly what a real run would do.
 */
export async function purgeExpired(deps: RetentionDeps, opts: { dryRun: boolean }): Promise<PurgeReport> {
  const now = deps.clock.now();
  const closedBefore = new Date(now.getTime() - deps.retentionDaysAfterClose * DAY_MS);
  const report: PurgeReport = { dry_run: opts.dryRun, closed_before: closedBefore.toISOString(), cases: [], customers: 0, erasures: [], ...NOTHING_REDACTED };
  if (opts.dryRun) {
    await deps.sql
      .begin(async (tx) => {
        await purgeAll((fn) => fn(tx), report, closedBefore, now);
        throw new RolledBack();
      })
      .catch((err: unknown) => {
        if (!(err instanceof RolledBack)) throw err;
      });
    report.erasures = []; // written and rolled back with the rest
  } else {
    await purgeAll((fn) => deps.sql.begin(fn), report, closedBefore, now);
  }
  deps.log.info({ dryRun: opts.dryRun, closedBefore, cases: report.cases.length, customers: report.customers, erasures: report.erasures }, 'purge finished');
  return report;
}

class RolledBack extends Error {}

/** Runs a step in a transaction of its own, or (dry run) in the one transaction that is rolled back. */
type InTransaction = (fn: (tx: Tx) => Promise<number>) => Promise<number>;

async function purgeAll(inTx: InTransaction, report: PurgeReport, closedBefore: Date, now: Date): Promise<void> {
  let afterId = 0n;
  let first = true;
  let redacted = BATCH;
  while (redacted === BATCH) {
    redacted = await inTx(async (tx) => {
      const cases = await expiredCases(tx, closedBefore, afterId, BATCH);
      const onCases = cases.length > 0 ? await redactCases(tx, cases.map((c) => c.id), now) : NOTHING_REDACTED;
      // Mail that never joined a case goes with the first batch, so a small purge writes one record.
      const counts = first ? addCounts(onCases, await purgeCaseless(tx, closedBefore, now)) : onCases;
      const customers = await eraseCustomers(tx, peopleOn(cases), now);
      tally(report, await recordRedaction(tx, { kind: 'retention', at: now, closedBefore, cases, customers, counts }), cases.map((c) => c.reference), customers, counts);
      afterId = cases.at(-1)?.id ?? afterId;
      return cases.length;
    });
    first = false;
  }
}

async function purgeCaseless(tx: Tx, closedBefore: Date, now: Date): Promise<RedactionCounts> {
  const inbound = await redactInbound(tx, caselessReceivedBefore(tx, closedBefore), now);
  return { ...NOTHING_REDACTED, ...inbound, outbound_messages: await dropCaselessOutboundBefore(tx, closedBefore) };
}

function tally(report: PurgeReport, erasure: bigint | undefined, references: string[], customers: number, counts: RedactionCounts): void {
  Object.assign(report, addCounts(report, counts));
  report.cases.push(...references);
  report.customers += customers;
  if (erasure !== undefined) report.erasures.push(Number(erasure));
}
