import type PgBoss from 'pg-boss';
import type { Sql } from '../db/pool.ts';
import { listMigrations } from '../db/migrate.ts';
import { errorMessage } from '../errors.ts';
import type { ImapStatus } from '../intake/imap-source.ts';
import { QUEUES } from '../jobs/boss.ts';

export type JobsStatus = 'starting' | 'running' | 'stopped';

export interface ReadinessDeps {
  sql: Sql;
  boss: PgBoss;
  jobs: { status(): JobsStatus };
  /** Absent when no IMAP mailbox is configured. */
  imap?: { status(): ImapStatus };
  /** A check that has not answered by then fails (a database behind a dead network hangs rather than refuses). */
  timeoutMs?: number;
}

export interface Check {
  ok: boolean;
  detail: string;
}

/** The body of GET /readyz. */
export interface Readiness {
  status: 'ready' | 'not ready';
  /** Names of the checks that failed, for a log line or an alert. */
  failing: string[];
  checks: Record<string, Check>;
}

const DEFAULT_TIMEOUT_MS = 2_000;

/** Ready when the database answers, no migration is pending, the mailbox is read or stood by for, and pg-boss runs. */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const within = (fn: () => Promise<Check>) => withTimeout(fn, deps.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const database = await within(async () => {
    await deps.sql`select 1`;
    return { ok: true, detail: 'reachable' };
  });
  const skipped: Check = { ok: false, detail: 'not checked: the database is unreachable' };
  const [migrations, jobs] = database.ok ? await Promise.all([within(() => migrationsCheck(deps.sql)), within(() => jobsCheck(deps))]) : [skipped, skipped];
  const checks: Record<string, Check> = { database, migrations, jobs, ...(deps.imap ? { imap: imapCheck(deps.imap.status()) } : {}) };
  const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
  return { status: failing.length === 0 ? 'ready' : 'not ready', failing, checks };
}

/** Every migration this code ships is applied (a newer one applied by a newer worker does not make this one unready). */
async function migrationsCheck(sql: Sql): Promise<Check> {
  const [known, applied] = await Promise.all([listMigrations(), sql<{ version: number }[]>`select version from schema_migrations`]);
  const done = new Set(applied.map((r) => r.version));
  const pending = known.filter((m) => !done.has(m.version)).map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
  if (pending.length > 0) return { ok: false, detail: `pending: ${pending.join(', ')} (run \`redress migrate\`)` };
  return { ok: true, detail: `current (${known.length} applied)` };
}

async function jobsCheck(deps: ReadinessDeps): Promise<Check> {
  const status = deps.jobs.status();
  if (status !== 'running') return { ok: false, detail: `pg-boss is ${status}` };
  if (!(await deps.boss.getQueue(QUEUES.send))) return { ok: false, detail: `the ${QUEUES.send} queue does not exist` };
  return { ok: true, detail: 'running' };
}

function imapCheck(status: ImapStatus): Check {
  if (status === 'connected') return { ok: true, detail: 'connected' };
  if (status === 'standby') return { ok: true, detail: 'standby: another worker holds the mailbox lock' };
  return { ok: false, detail: status };
}

async function withTimeout(fn: () => Promise<Check>, ms: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([fn(), late]);
  } catch (err) {
    return { ok: false, detail: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * pg-boss 10 has no public "is it running": the worker says when its job workers are
 * registered, and pg-boss says when it has stopped.
 */
export function watchJobRunner(boss: PgBoss): { status(): JobsStatus; started(): void } {
  let status: JobsStatus = 'starting';
  boss.once('stopped', () => (status = 'stopped'));
  return { status: () => status, started: () => (status = 'running') };
}
