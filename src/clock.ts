/** All business time comes from a Clock, so tests and replays can pin it (REDRESS_NOW). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw new Error(`fixedClock: not a date: ${String(at)}`);
  return { now: () => new Date(instant) };
}

/** A clock tests can move forward by hand. */
export function manualClock(start: Date | string): Clock & { set(at: Date | string): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

export function clockFromConfig(redressNow: string | undefined): Clock {
  return redressNow ? fixedClock(redressNow) : systemClock;
}
