import { performance } from 'node:perf_hooks';
import { openApp, type App } from '../src/app.ts';
import { runCaseAction } from '../src/cli/case-actions.ts';
import { manualClock } from '../src/clock.ts';
import { loadConfig, type Config } from '../src/config.ts';
import type { Sql } from '../src/db/pool.ts';
import type { Logger } from '../src/log.ts';
import { plusAddress } from '../src/outbound/compose.ts';
import { ACTIONABLE_DEADLINES } from '../src/policy/deadlines.ts';
import { runDue, type RunDueStats } from '../src/jobs/run-due.ts';
import { digestDue } from '../src/staff/digest.ts';
import { sendDigestIfDue } from '../src/jobs/digest-job.ts';
import { addStaff } from '../src/staff/staff-repo.ts';
import { startSmtpSink, type SmtpSink } from '../test/helpers/smtp-sink.ts';
import type { BenchConfig } from './config.ts';
import { COMPLAINTS_ADDRESS, complaintRaw, customerAnswer, makeComplaint, staffText } from './corpus.ts';
import { freshDatabase, tempDir, type Cleanup, type PgServer } from './infra.ts';
import { createRng, type Rng } from './random.ts';
import { progress, round, since } from './report.ts';
import { ActionQueue, arrivalTimes, nextDigestAt, planCase, STAFF, type Fate, type PlannedAction } from './walk-plan.ts';
import { walkFacts, type WalkFacts } from './walk-report.ts';

export interface WalkContext {
  cfg: BenchConfig;
  cleanup: Cleanup;
  server: PgServer;
  log: Logger;
}

export interface WalkRun {
  cases: number;
  start: string;
  end: string;
  wallSeconds: number;
  runDueCalls: number;
  split: { runDueSeconds: number; intakeSeconds: number; staffSeconds: number; plannerSeconds: number };
  runDueMs: { p50: number; p95: number; max: number; maxAt: string };
  totals: Omit<RunDueStats, 'digest'> & { digests: number };
  /**
   * run-due calls made on a business day after DIGEST_TIME, when sendDigestIfDue builds the whole digest before
   * finding the day already claimed; `recheckMs` is that wasted call, timed with every case open.
   */
  digestTime: { callsAfter: number; meanMsAfter: number; callsBefore: number; meanMsBefore: number; recheckMs: number; recheckAt: string; wastedSeconds: number };
  fates: Record<string, number>;
  /** intended answer -> how the intake classified it. */
  answers: Record<string, number>;
  refused: Record<string, number>;
  problems: string[];
  sinkReceived: Record<string, number>;
  facts: WalkFacts;
  instants: Date[];
}

interface CaseState {
  id: bigint;
  reference: string;
  token: string;
  customer: { name: string; address: string };
  fate: Fate;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Part 2: 1,000 complaints over two weeks, then event-by-event to 8 weeks + 1 week after the last, run-due at each instant. */
export async function runWalk(ctx: WalkContext): Promise<WalkRun> {
  const { cfg, log } = ctx;
  const db = await freshDatabase(ctx.cleanup, ctx.server, 'walk', log);
  const dataDir = await tempDir(ctx.cleanup, 'redress-bench-walk-');
  const sink = cfg.BENCH_OUTBOUND === 'smtp' ? await startSmtpSink() : undefined;
  if (sink) ctx.cleanup.defer('stop the SMTP sink', () => sink.stop());
  const config = walkConfig(db.url, dataDir, sink?.url);
  const clock = manualClock('2000-01-01T00:00:00Z');
  const app = await openApp(config, { log, clock });
  try {
    for (const s of STAFF) await addStaff(app.db.sql, s.email, s.role, s.name);
    const driver = new WalkDriver(app, clock, cfg, sink);
    return await driver.run();
  } finally {
    await app.close();
  }
}

export function walkConfig(databaseUrl: string, dataDir: string, smtpUrl?: string): Config {
  return loadConfig({ DATABASE_URL: databaseUrl, REDRESS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS, ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}) });
}

class WalkDriver {
  private readonly rngMail: Rng;
  private readonly rngPlan: Rng;
  private readonly queue = new ActionQueue();
  private readonly cases: (CaseState | undefined)[] = [];
  private readonly instants: Date[] = [];
  private readonly durations: number[] = [];
  private readonly split = { runDue: 0, intake: 0, staff: 0, planner: 0 };
  private readonly totals = { deadlines: 0, digests: 0, sent: 0, failed: 0, retrying: 0 };
  private readonly fates: Record<string, number> = {};
  private readonly answers: Record<string, number> = {};
  private readonly refused: Record<string, number> = {};
  private readonly sinkReceived: Record<string, number> = {};
  private readonly problems: string[] = [];
  private callsAfterDigestTime = 0;
  private msAfterDigestTime = 0;

  constructor(
    private readonly app: App,
    private readonly clock: ReturnType<typeof manualClock>,
    private readonly cfg: BenchConfig,
    private readonly sink: SmtpSink | undefined,
  ) {
    this.rngMail = createRng(cfg.BENCH_SEED + 1);
    this.rngPlan = createRng(cfg.BENCH_SEED + 2);
  }

  async run(): Promise<WalkRun> {
    const { app, cfg } = this;
    const cal = app.calendar;
    const arrivals = arrivalTimes(this.rngPlan, cal, cfg.BENCH_WALK_START, cfg.BENCH_CASES);
    const first = arrivals[0]!;
    const end = new Date(arrivals.at(-1)!.getTime() + cfg.BENCH_WALK_TAIL_DAYS * DAY_MS);
    progress(`walk: ${arrivals.length} arrivals ${first.toISOString()} .. ${arrivals.at(-1)!.toISOString()}, running to ${end.toISOString()}`);
    let now = new Date(first.getTime() - MINUTE_MS);
    this.clock.set(now);
    let next = 0;
    let printedAt = now.getTime();
    let recheck: { ms: number; at: Date } | undefined;
    let excludedMs = 0;
    const maxCalls = 50 * arrivals.length + 10_000; // far above any sane walk; a runaway loop stops here
    const t0 = performance.now();
    for (;;) {
      const tp = performance.now();
      const candidates = [arrivals[next], this.queue.peek()?.at, await nextDeadline(app.db.sql, now), nextDigestAt(cal, now, app.config.DIGEST_TIME)];
      const at = new Date(Math.min(...candidates.filter((c): c is Date => c !== undefined).map((c) => c.getTime())));
      this.split.planner += since(tp);
      if (at.getTime() > end.getTime()) break;
      if (this.instants.length >= maxCalls) {
        this.problems.push(`stopped after ${maxCalls} run-due calls at ${at.toISOString()}: the walk did not converge`);
        break;
      }
      now = at;
      this.clock.set(now);
      while (next < arrivals.length && arrivals[next]!.getTime() <= now.getTime()) await this.arrive(next++, now);
      while ((this.queue.peek()?.at.getTime() ?? Infinity) <= now.getTime()) await this.act(this.queue.pop()!, now);
      await this.tick(now);
      if (recheck === undefined && next === arrivals.length && digestDue(now, cal, app.config.DIGEST_TIME)) {
        const tb = performance.now();
        recheck = { ms: await this.digestRecheckMs(now), at: now }; // at peak load: every case open, the day claimed
        excludedMs += since(tb);
      }
      if (now.getTime() - printedAt >= 7 * DAY_MS || this.instants.length % 2000 === 0) {
        printedAt = now.getTime();
        progress(`  walk: clock ${now.toISOString()}, ${this.instants.length} run-due calls, ${next}/${arrivals.length} arrived, ${this.totals.sent} sent, ${this.totals.deadlines} deadlines fired`);
      }
    }
    const wallMs = since(t0) - excludedMs;
    this.clock.set(end);
    progress(`walk: done in ${round(wallMs / 1000)} s, ${this.instants.length} run-due calls; collecting figures`);
    const facts = await walkFacts(app.db.sql, end, app.config.DEADLINE_GRACE_SECONDS);
    return this.figures(arrivals.length, first, end, wallMs, facts, recheck ?? { ms: 0, at: end });
  }

  private async arrive(index: number, now: Date): Promise<void> {
    const written = new Date(now.getTime() - this.rngMail.int(1, 20) * MINUTE_MS);
    const complaint = makeComplaint(this.rngMail, index, written);
    const t = performance.now();
    const outcome = await this.app.process({ raw: complaintRaw(complaint), receivedAt: now, source: 'file', sourceRef: `bench:complaint:${index}` });
    this.split.intake += since(t);
    if (!outcome.caseOpened || !outcome.caseReference) {
      this.problems.push(`complaint ${index} (${complaint.messageId}) opened no case: ${outcome.status} ${outcome.kind}`);
      return;
    }
    const [row] = await this.app.db.sql<[{ id: bigint; token: string; flags: string[] }?]>`
      select id, token, flags from cases where reference = ${outcome.caseReference}`;
    if (!row) throw new Error(`case ${outcome.caseReference} not found right after it was opened`);
    const plan = planCase(this.rngPlan, this.app.calendar, index, now, row.flags.includes('technical'));
    this.cases[index] = { id: row.id, reference: outcome.caseReference, token: row.token, customer: complaint.from, fate: plan.fate };
    this.fates[plan.fate] = (this.fates[plan.fate] ?? 0) + 1;
    for (const a of plan.actions) this.queue.push(a);
  }

  private async act(a: PlannedAction, now: Date): Promise<void> {
    const kase = this.cases[a.caseIndex];
    if (!kase) return;
    const t = performance.now();
    if (a.type === 'staff') {
      try {
        await runCaseAction(this.app, kase.reference, a.action, a.args, { by: a.by, ...(a.text ? { text: staffText[a.text](this.rngPlan) } : {}) });
      } catch (err) {
        const key = `${a.action}: ${err instanceof Error ? err.message.replace(/CMP-\d{4}-\d{6}/g, 'CMP-…') : String(err)}`;
        this.refused[key] = (this.refused[key] ?? 0) + 1;
      }
      this.split.staff += since(t);
      return;
    }
    const [outcome] = await this.app.db.sql<[{ message_id: string; subject: string; created_at: Date; text: string | null }?]>`
      select o.message_id, o.subject, o.created_at, c.outcome as text from outbound_messages o join cases c on c.id = o.case_id
      where o.case_id = ${kase.id} and o.kind = 'outcome' order by o.created_at desc, o.id desc limit 1`;
    if (!outcome) {
      this.problems.push(`${kase.reference}: no outcome message to answer (${a.verdict})`);
      return;
    }
    const raw = customerAnswer(this.rngMail, {
      verdict: a.verdict,
      from: kase.customer,
      outcome: { messageId: outcome.message_id, subject: outcome.subject, sentAt: outcome.created_at, text: outcome.text ?? '' },
      replyTo: plusAddress(COMPLAINTS_ADDRESS, kase.token),
      date: now,
      index: a.caseIndex,
    });
    const result = await this.app.process({ raw, receivedAt: now, source: 'file', sourceRef: `bench:answer:${a.caseIndex}` });
    this.split.intake += since(t);
    const key = `${a.verdict} -> ${result.kind}`;
    this.answers[key] = (this.answers[key] ?? 0) + 1;
  }

  private async tick(now: Date): Promise<void> {
    const afterDigestTime = digestDue(now, this.app.calendar, this.app.config.DIGEST_TIME);
    const t = performance.now();
    const s = await runDue(this.app.runDue);
    const ms = since(t);
    if (afterDigestTime) {
      this.callsAfterDigestTime += 1;
      this.msAfterDigestTime += ms;
    }
    this.split.runDue += ms;
    this.durations.push(ms);
    this.instants.push(now);
    this.totals.deadlines += s.deadlines;
    this.totals.digests += s.digest ? 1 : 0;
    this.totals.sent += s.sent;
    this.totals.failed += s.failed;
    this.totals.retrying += s.retrying;
    if (this.sink) {
      for (const m of this.sink.messages) {
        const kind = String(m.parsed.headers.get('x-redress-kind') ?? '(none)');
        this.sinkReceived[kind] = (this.sinkReceived[kind] ?? 0) + 1;
      }
      this.sink.clear(); // keep memory flat: only counts are needed
    }
  }

  /** What sendDigestIfDue costs on a day whose digest already went (mean of five); it must send nothing. */
  async digestRecheckMs(at: Date): Promise<number> {
    const t = performance.now();
    for (let i = 0; i < 5; i += 1) {
      if (await sendDigestIfDue(this.app.digest, at)) this.problems.push(`sendDigestIfDue sent a second digest on ${at.toISOString()}`);
    }
    return round(since(t) / 5, 2);
  }

  private figures(cases: number, first: Date, end: Date, wallMs: number, facts: WalkFacts, recheck: { ms: number; at: Date }): WalkRun {
    const sorted = [...this.durations].sort((a, b) => a - b);
    const pct = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0, 1);
    const maxIndex = this.durations.indexOf(sorted.at(-1) ?? 0);
    return {
      cases,
      start: first.toISOString(),
      end: end.toISOString(),
      wallSeconds: round(wallMs / 1000, 2),
      runDueCalls: this.instants.length,
      split: {
        runDueSeconds: round(this.split.runDue / 1000, 2),
        intakeSeconds: round(this.split.intake / 1000, 2),
        staffSeconds: round(this.split.staff / 1000, 2),
        plannerSeconds: round(this.split.planner / 1000, 2),
      },
      runDueMs: { p50: pct(0.5), p95: pct(0.95), max: round(sorted.at(-1) ?? 0, 1), maxAt: this.instants[maxIndex]?.toISOString() ?? '' },
      totals: this.totals,
      digestTime: {
        callsAfter: this.callsAfterDigestTime,
        meanMsAfter: round(this.msAfterDigestTime / (this.callsAfterDigestTime || 1), 2),
        callsBefore: this.instants.length - this.callsAfterDigestTime,
        meanMsBefore: round((this.split.runDue - this.msAfterDigestTime) / (this.instants.length - this.callsAfterDigestTime || 1), 2),
        recheckMs: recheck.ms,
        recheckAt: recheck.at.toISOString(),
        wastedSeconds: round((recheck.ms * this.callsAfterDigestTime) / 1000, 1),
      },
      fates: this.fates,
      answers: this.answers,
      refused: this.refused,
      problems: this.problems,
      sinkReceived: this.sinkReceived,
      facts,
      instants: this.instants,
    };
  }
}

/** The earliest pending deadline run-due keeps itself (update, closure, adr, adr_warning) after `now`. */
async function nextDeadline(sql: Sql, now: Date): Promise<Date | undefined> {
  const [row] = await sql<[{ at: Date | null }]>`
    select min(due_at) as at from deadlines where status = 'pending' and kind = any(${ACTIONABLE_DEADLINES as string[]}) and due_at > ${now}`;
  return row.at ?? undefined;
}
