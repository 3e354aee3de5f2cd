/**
 * Property tests of the lifecycle: seeded random event sequences driven through decide(),
 * each decision applied the way advanceCase applies it (patch, then deadlines re-planned and
 * reconciled), with POLICY.md's invariants checked after every step. Deterministic: a
 * failure names its seed and the events that led to it.
 */
import { describe, expect, it } from 'vitest';

import { isPriority } from '../../src/cases/flags.ts';
import { CASE_FLAGS, STAFF_ROLES } from '../../src/vocabulary.ts';
import { decide, type CaseFacts, type CustomerMessageKind, type Decision, type LifecycleEvent } from '../../src/cases/lifecycle.ts';
import { OUTBOUND_KINDS } from '../../src/outbound/render.ts';
import { ACTIONABLE_DEADLINES, DEADLINE_RULES, planDeadlines, reconcileDeadlines, type DeadlineKind, type PlannedDeadline, type StoredDeadline } from '../../src/policy/deadlines.ts';
import { DEFAULT_POLICY } from '../../src/policy/settings.ts';
import { ALL_COMMANDS, calendar, caseFacts, describeCommand, DIRECTOR, ENGINEER, REP, SUPERVISOR } from './case-facts.ts';

const SEQUENCES = 150;
const STEPS = 60;
const KNOWN_KINDS: readonly string[] = OUTBOUND_KINDS;
const AUDIENCES: readonly string[] = ['customer', 'registered', 'sender', 'actor', 'staff', ...STAFF_ROLES];
const ALL_DEADLINE_KINDS = Object.keys(DEADLINE_RULES) as DeadlineKind[];
const CUSTOMER_KINDS: readonly CustomerMessageKind[] = ['reply', 'confirmation', 'not_resolved', 'deadlock_request'];
const STAFF = [REP, SUPERVISOR, ENGINEER, DIRECTOR];
const HOUR_MS = 3_600_000;

/** mulberry32: a small seeded PRNG, so every run draws the same sequences. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface World {
  facts: CaseFacts;
  /** The plan for the facts as they now stand (after the last applied decision). */
  plan: PlannedDeadline[];
  pending: StoredDeadline[];
  now: Date;
  nextId: number;
}

type Scheduler = 'faithful' | 'any-order';

class Run {
  /** What happened, formatted only when a failure is reported. */
  readonly trace: { at: Date; status: string; event: LifecycleEvent; refused: boolean }[] = [];
  private readonly rand: () => number;
  world: World;

  constructor(readonly seed: number) {
    this.rand = prng(seed);
    const flags = CASE_FLAGS.filter(() => this.rand() < 0.15);
    const receivedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(this.rand() * 330 * 24) * HOUR_MS + Math.floor(this.rand() * 60) * 60_000);
    this.world = { facts: caseFacts({ flags, receivedAt }), plan: [], pending: [], now: receivedAt, nextId: 1 };
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  /** Moves the clock on by up to two days. */
  tick(): void {
    this.world.now = new Date(this.world.now.getTime() + Math.floor(this.rand() * 48 * HOUR_MS));
  }

  /** The next event: a deadline the scheduler would fire, or anything else that can happen to a case. */
  nextEvent(scheduler: Scheduler): LifecycleEvent {
    const due = this.world.pending.filter((d) => (ACTIONABLE_DEADLINES as readonly string[]).includes(d.kind));
    if (scheduler === 'faithful' && due.length > 0 && this.chance(0.3)) {
      const d = this.pick(due);
      if (d.dueAt > this.world.now) this.world.now = d.dueAt;
      return { type: 'deadline_due', kind: d.kind as DeadlineKind };
    }
    this.tick();
    const roll = this.rand();
    if (scheduler === 'any-order' && roll < 0.25) return { type: 'deadline_due', kind: this.pick(ALL_DEADLINE_KINDS) };
    if (roll < 0.45) return { type: 'customer_message', kind: this.pick(CUSTOMER_KINDS) };
    if (roll < 0.85) return { type: 'staff_command', command: this.pick(ALL_COMMANDS), staff: this.pick(STAFF), channel: this.rand() < 0.5 ? 'email' : 'cli' };
    if (roll < 0.88) return this.letterConfirmation();
    if (roll < 0.9) return { type: 'message_sent', kind: this.pick(['ack', 'ack', 'progress', 'outcome']) };
    if (roll < 0.93) return { type: 'bounced', outboundKind: 'progress', recipient: 'ann@example.net', diagnostic: '550 unknown user' };
    if (roll < 0.96) return { type: 'send_failed', outboundKind: 'outcome', error: '421 try later' };
    if (roll < 0.98) return { type: 'command_refused', verb: 'outcome', from: 'mallory@example.net', reason: 'not a staff address' };
    return { type: 'invalid_command', error: 'unknown command #close' };
  }

  /** R11 by post: a letter dated up to four days ago, often before any outcome was given. */
  letterConfirmation(): LifecycleEvent {
    const on = calendar.localDate(new Date(this.world.now.getTime() - Math.floor(this.rand() * 5) * 24 * HOUR_MS));
    const start = calendar.startOfLocalDate(on);
    const letterDay = { start, end: calendar.addCalendarDays(start, 1) };
    return { type: 'staff_command', command: { verb: 'confirmed-by-post', on }, staff: this.pick(STAFF), channel: this.rand() < 0.5 ? 'email' : 'cli', letterDay };
  }

  /** Decides and applies, as advanceCase does: a refused command changes nothing. */
  apply(event: LifecycleEvent): Decision {
    const w = this.world;
    const d = decide(w.facts, event, w.now);
    this.trace.push({ at: w.now, status: w.facts.status, event, refused: d.error !== undefined });
    if (d.error) return d;
    w.facts = { ...w.facts, ...d.patch };
    w.plan = planDeadlines(w.facts, calendar, DEFAULT_POLICY);
    const changes = reconcileDeadlines(w.pending, w.plan, d.kept, w.now, DEFAULT_POLICY.graceSeconds);
    const resolved = new Set(changes.flatMap((c) => (c.op === 'resolve' ? [c.id] : [])));
    w.pending = w.pending.filter((p) => !resolved.has(p.id));
    for (const c of changes) if (c.op === 'insert') w.pending.push({ id: BigInt(w.nextId++), kind: c.kind, dueAt: c.dueAt });
    return d;
  }

  failure(problem: string): string {
    const lines = this.trace.map((t) => `${t.at.toISOString()} [${t.status}] ${describeEvent(t.event)}${t.refused ? ' -> refused' : ''}`);
    return `seed ${this.seed}, step ${this.trace.length}: ${problem}\n  ${lines.join('\n  ')}`;
  }
}

function describeEvent(e: LifecycleEvent): string {
  switch (e.type) {
    case 'customer_message':
      return `customer ${e.kind}`;
    case 'staff_command':
      return `${e.staff.role} ${describeCommand(e.command)}`;
    case 'deadline_due':
    case 'message_sent':
      return `${e.type} ${e.kind}`;
    default:
      return e.type;
  }
}

/** R17: no case is closed without the customer being told the outcome, except a withdrawn one. */
function r17Violation(f: CaseFacts): string | undefined {
  if (f.status === 'closed' && f.outcomeSentAt === null) return `R17: closed (${f.closureReason}) without an outcome`;
  return undefined;
}

/** Every other invariant of the facts the lifecycle keeps. */
function factsViolation(f: CaseFacts): string | undefined {
  const r17 = r17Violation(f);
  if (r17) return r17;
  if (f.status === 'closed' && (f.closedAt === null || (f.closureReason !== 'confirmed' && f.closureReason !== 'no_response'))) return `closed with closedAt ${String(f.closedAt)}, reason ${f.closureReason}`;
  if (f.status === 'withdrawn' && (f.closedAt === null || f.closureReason !== 'withdrawn')) return `withdrawn with reason ${f.closureReason}`;
  if ((f.status === 'new' || f.status === 'open' || f.status === 'awaiting_confirmation') && (f.closedAt !== null || f.closureReason !== null)) return `${f.status} case with closedAt/closureReason set`;
  if (f.status === 'awaiting_confirmation' && f.outcomeSentAt === null) return 'R10: awaiting confirmation of an outcome never sent';
  if (f.status === 'new' && f.reviewedAt !== null) return 'R4: reviewed but still new';
  if (f.priority !== isPriority(f.flags)) return `R8: priority ${f.priority} for flags ${f.flags.join(',')}`;
  if (new Set(f.flags).size !== f.flags.length) return `duplicate flags ${f.flags.join(',')}`;
  return undefined;
}

/** What every decision must look like, whatever the facts. */
function decisionViolation(before: CaseFacts, e: LifecycleEvent, d: Decision): string | undefined {
  for (const s of d.sends) {
    if (!KNOWN_KINDS.includes(s.kind)) return `send of unknown kind ${s.kind}`;
    if (!AUDIENCES.includes(s.to)) return `send of ${s.kind} to unknown audience ${s.to}`;
    if (typeof s.automatic !== 'boolean') return `send of ${s.kind} without automatic`;
  }
  for (const k of d.kept) if (!ALL_DEADLINE_KINDS.includes(k)) return `kept unknown deadline ${k}`;
  if (d.error !== undefined) {
    if (e.type !== 'staff_command' && e.type !== 'invalid_command') return `${e.type} refused: ${d.error}`;
    if (Object.keys(d.patch).length > 0 || d.sends.length > 0 || d.kept.length > 0 || d.history.length > 0) return 'a refused command did something';
  }
  const closing = d.patch.status === 'closed' && before.status !== 'closed';
  if (closing && !d.sends.some((s) => s.to === 'customer' && (s.kind === 'closure_confirmed' || s.kind === 'closure_no_response'))) return 'R11/R12: closed without a closure notice';
  if (d.patch.status === 'withdrawn' && d.sends.some((s) => s.to === 'customer' || s.to === 'registered')) return 'R17: withdrawal sent the customer a message';
  return undefined;
}

/** The pending deadlines are exactly the plan: one of each kind, at the planned time. */
function deadlinesViolation(w: World): string | undefined {
  const same = w.pending.length === w.plan.length && w.plan.every((p) => w.pending.some((d) => d.kind === p.kind && d.dueAt.getTime() === p.dueAt.getTime()));
  if (same) return undefined;
  const show = (ds: readonly { kind: string; dueAt: Date }[]) => ds.map((d) => `${d.kind}@${d.dueAt.toISOString()}`).join(', ');
  return `pending [${show(w.pending)}] is not the plan [${show(w.plan)}]`;
}

function runSequence(seed: number, scheduler: Scheduler, check: (run: Run, before: CaseFacts, e: LifecycleEvent, d: Decision) => string | undefined): string | undefined {
  const run = new Run(seed);
  const initial = run.world.facts;
  const opened = run.apply({ type: 'opened' });
  const first = check(run, initial, { type: 'opened' }, opened);
  if (first) return run.failure(first);
  for (let i = 0; i < STEPS; i++) {
    const before = run.world.facts;
    const e = run.nextEvent(scheduler);
    const d = run.apply(e);
    const problem = check(run, before, e, d);
    if (problem) return run.failure(problem);
  }
  return undefined;
}

/** The shortest failing trace over all seeds, so a failure reads as a minimal story. */
function shortestFailure(scheduler: Scheduler, check: Parameters<typeof runSequence>[2]): string | undefined {
  let shortest: string | undefined;
  for (let seed = 1; seed <= SEQUENCES; seed++) {
    const failure = runSequence(seed, scheduler, check);
    if (failure && (!shortest || failure.length < shortest.length)) shortest = failure;
  }
  return shortest;
}

describe('lifecycle invariants over random event sequences', () => {
  it('R17 no case is closed without its outcome sent (except withdrawn), with deadlines fired as scheduled', () => {
    const failure = shortestFailure('faithful', (run, before, e, d) => decisionViolation(before, e, d) ?? factsViolation(run.world.facts) ?? deadlinesViolation(run.world));
    expect(failure).toBeUndefined();
  });

  it('R17 no case is closed without its outcome sent (except withdrawn), whatever order events and deadline jobs arrive in', () => {
    const failure = shortestFailure('any-order', (run, before, e, d) => decisionViolation(before, e, d) ?? r17Violation(run.world.facts));
    expect(failure).toBeUndefined();
  });

  it('every decision sends only kinds that have templates, to known audiences', () => {
    const failure = shortestFailure('any-order', (_run, before, e, d) => decisionViolation(before, e, d));
    expect(failure).toBeUndefined();
  });

  it('the sequences reach every status, every closure reason and every deadline kind (the property is not vacuous)', () => {
    const statuses = new Set<string>();
    const reasons = new Set<string>();
    const fired = new Set<string>();
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      runSequence(seed, 'faithful', (run, _before, e) => {
        statuses.add(run.world.facts.status);
        if (run.world.facts.closureReason) reasons.add(run.world.facts.closureReason);
        for (const p of run.world.pending) fired.add(p.kind);
        if (e.type === 'deadline_due') fired.add(`due:${e.kind}`);
        return undefined;
      });
    }
    expect([...statuses].sort()).toEqual(['awaiting_confirmation', 'closed', 'new', 'open', 'withdrawn']);
    expect([...reasons].sort()).toEqual(['confirmed', 'no_response', 'withdrawn']);
    for (const kind of ALL_DEADLINE_KINDS) expect(fired).toContain(kind);
    for (const kind of ACTIONABLE_DEADLINES) expect(fired).toContain(`due:${kind}`);
  });
});
