import { TZDate } from '@date-fns/tz';
import type { BusinessCalendar } from '../src/policy/calendar.ts';
import type { StaffRole } from '../src/vocabulary.ts';
import type { Rng } from './random.ts';

/** Pure scheduling for the walk: when complaints arrive, and what staff and customers do on each case, and when. */

export const STAFF: readonly { email: string; role: StaffRole; name: string }[] = [
  { email: 'rita@telco.test', role: 'rep', name: 'Rita Rep' },
  { email: 'ravi@telco.test', role: 'rep', name: 'Ravi Rep' },
  { email: 'sue@telco.test', role: 'supervisor', name: 'Sue Supervisor' },
  { email: 'eddie@telco.test', role: 'engineering', name: 'Eddie Engineer' },
  { email: 'dee@telco.test', role: 'director', name: 'Dee Director' },
];
const REPS = STAFF.filter((s) => s.role === 'rep').map((s) => s.email);
const SUPERVISOR = STAFF.find((s) => s.role === 'supervisor')!.email;
const ENGINEER = STAFF.find((s) => s.role === 'engineering')!.email;
const DIRECTOR = STAFF.find((s) => s.role === 'director')!.email;

export type Fate = 'outcome_confirmed' | 'outcome_not_resolved' | 'outcome_silent' | 'vexatious' | 'open';

/** Which pool of staff wording an action's text comes from. */
export type TextKind = 'outcome' | 'note' | 'reply';

export type PlannedAction =
  | { type: 'staff'; at: Date; caseIndex: number; action: 'assign' | 'resolve' | 'note' | 'reply' | 'escalate' | 'flag'; args: string[]; text?: TextKind; by: string }
  | { type: 'customer'; at: Date; caseIndex: number; verdict: 'confirm' | 'not_resolved' };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** `n` arrivals over the 14 days from `startDate` (local), about 70% in business hours and 30% outside them. */
export function arrivalTimes(rng: Rng, cal: BusinessCalendar, startDate: string, n: number): Date[] {
  const from = localInstant(startDate, 0, cal.settings.timeZone).getTime();
  const span = 14 * DAY_MS;
  // Business hours are ~25% of the week: accept every in-hours draw and ~1 in 7 of the others.
  const acceptOutside = (0.3 / 0.75) * (0.25 / 0.7);
  const times: Date[] = [];
  while (times.length < n) {
    const t = new Date(from + Math.floor(rng.next() * span / 1000) * 1000);
    if (cal.isWithinHours(t) || rng.chance(acceptOutside)) times.push(t);
  }
  return times.sort((a, b) => a.getTime() - b.getTime());
}

export interface CasePlan {
  fate: Fate;
  actions: PlannedAction[];
}

/**
 * What happens to one case after it opens. Every case is reviewed (assigned) within hours
 * (R4), technical ones get an engineering note next business day (R6); then 40% get an
 * outcome within 2-15 business days, of which half are confirmed by the customer, a quarter
 * answered "not resolved" (the Director then determines within a business day, R7) and a
 * quarter left silent (R12); 5% are flagged vexatious; the rest stay open to the ADR notice,
 * some with notes, replies or a supervisor escalation on the way.
 */
export function planCase(rng: Rng, cal: BusinessCalendar, caseIndex: number, receivedAt: Date, technical: boolean): CasePlan {
  const start = cal.clockStart(receivedAt);
  const rep = rng.pick(REPS);
  const staff = (at: Date, action: Extract<PlannedAction, { type: 'staff' }>['action'], by: string, args: string[] = [], text?: TextKind): PlannedAction => ({ type: 'staff', at, caseIndex, action, args, by, ...(text ? { text } : {}) });
  const actions: PlannedAction[] = [staff(new Date(start.getTime() + rng.int(15, 240) * MINUTE_MS), 'assign', rep)];
  if (technical) actions.push(staff(businessDayAt(rng, cal, start, 1, [9 * 60 + 30, 16 * 60 + 30]), 'note', ENGINEER, [], 'note'));

  const r = rng.next();
  if (r < 0.4) {
    const outcomeAt = businessDayAt(rng, cal, start, rng.int(2, 15), [9 * 60 + 30, 17 * 60]);
    actions.push(staff(outcomeAt, 'resolve', rep, [], 'outcome'));
    const r2 = rng.next();
    const answerAt = new Date(outcomeAt.getTime() + rng.int(30, 72 * 60) * MINUTE_MS);
    if (r2 < 0.5) {
      actions.push({ type: 'customer', at: answerAt, caseIndex, verdict: 'confirm' });
      return { fate: 'outcome_confirmed', actions };
    }
    if (r2 < 0.75) {
      actions.push({ type: 'customer', at: answerAt, caseIndex, verdict: 'not_resolved' });
      // R7: 5 calendar days; the next business day at 10:00-16:00 is at most 4 days 20 hours later.
      actions.push(staff(businessDayAt(rng, cal, answerAt, 1, [10 * 60, 16 * 60]), 'resolve', DIRECTOR, [], 'outcome'));
      return { fate: 'outcome_not_resolved', actions };
    }
    return { fate: 'outcome_silent', actions };
  }
  if (r < 0.45) {
    actions.push(staff(businessDayAt(rng, cal, start, rng.int(1, 10), [9 * 60 + 30, 17 * 60]), 'flag', SUPERVISOR, ['vexatious']));
    return { fate: 'vexatious', actions };
  }
  if (rng.chance(0.3)) actions.push(staff(businessDayAt(rng, cal, start, rng.int(3, 20), [9 * 60 + 30, 17 * 60]), 'note', rep, [], 'note'));
  if (rng.chance(0.1)) actions.push(staff(businessDayAt(rng, cal, start, rng.int(1, 8), [9 * 60 + 30, 17 * 60]), 'reply', rep, [], 'reply'));
  if (rng.chance(0.05)) actions.push(staff(businessDayAt(rng, cal, start, rng.int(2, 6), [9 * 60 + 30, 17 * 60]), 'escalate', SUPERVISOR, ['supervisor']));
  return { fate: 'open', actions };
}

/** `n` (>= 1) business days after `from`'s clock start, at a random local time in `window` (minutes of the day). */
export function businessDayAt(rng: Rng, cal: BusinessCalendar, from: Date, n: number, window: [number, number]): Date {
  const day = cal.localDate(cal.addBusinessDays(from, n));
  return localInstant(day, rng.int(window[0], window[1]), cal.settings.timeZone);
}

/** The instant of a local date ('YYYY-MM-DD') and minute of the day in a time zone. */
export function localInstant(date: string, minuteOfDay: number, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d, Math.floor(minuteOfDay / 60), minuteOfDay % 60, 0, 0, timeZone).getTime());
}

/** The first digest instant (DIGEST_TIME local, on a business day) strictly after `after`. */
export function nextDigestAt(cal: BusinessCalendar, after: Date, digestTime: string): Date {
  const [h, m] = digestTime.split(':').map(Number) as [number, number];
  const today = cal.localDate(after);
  for (let i = 0; i < 15; i += 1) {
    const date = addDays(today, i);
    const at = localInstant(date, h * 60 + m, cal.settings.timeZone);
    if (at.getTime() > after.getTime() && cal.isBusinessDay(at)) return at;
  }
  throw new Error(`no business day within 15 days of ${after.toISOString()}`);
}

function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** A min-heap of planned actions by time, then by insertion order. */
export class ActionQueue {
  private heap: { action: PlannedAction; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(action: PlannedAction): void {
    this.heap.push({ action, seq: this.seq++ });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [this.heap[i], this.heap[parent]] = [this.heap[parent]!, this.heap[i]!];
      i = parent;
    }
  }

  peek(): PlannedAction | undefined {
    return this.heap[0]?.action;
  }

  pop(): PlannedAction | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.less(l, m)) m = l;
        if (r < this.heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        [this.heap[i], this.heap[m]] = [this.heap[m]!, this.heap[i]!];
        i = m;
      }
    }
    return top.action;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    const d = x.action.at.getTime() - y.action.at.getTime();
    return d < 0 || (d === 0 && x.seq < y.seq);
  }
}
