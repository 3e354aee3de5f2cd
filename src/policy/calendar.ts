/**
 * The business calendar of POLICY.md "Time": business days, business hours, and the
 * "N business days after T" arithmetic every deadline rule (R1, R3, R4, R6, R12) rests on.
 *
 * Pure: every answer is a function of the settings and the instants passed in. Wall-clock
 * arithmetic is done on "local epoch" numbers (an instant shifted by its UTC offset in the
 * business time zone), so neither the machine's TZ nor DST changes leak in; offsets come
 * from `@date-fns/tz` (Intl under the hood), holidays from `date-holidays` (./holidays.ts).
 */
import { tzOffset } from '@date-fns/tz';

import { RedressError } from '../errors.ts';
import { holidayTable } from './holidays.ts';

export interface BusinessCalendarSettings {
  /** IANA time zone the office keeps, default 'Europe/London'. */
  timeZone: string;
  /** date-holidays region: 'GB-ENG' (England and Wales, default), 'GB', 'US-CA', 'IE', ... */
  holidayRegion: string;
  /** Local opening time 'HH:MM', default '09:00'. */
  opens: string;
  /** Local closing time 'HH:MM' (the minute itself is outside hours; '24:00' allowed), default '17:30'. */
  closes: string;
}

export interface BusinessCalendar {
  readonly settings: BusinessCalendarSettings;
  /** The instant's local date is Monday-Friday and not a public holiday of the region. */
  isBusinessDay(instant: Date): boolean;
  /** Name of the public holiday on the instant's local date, or null. */
  isHoliday(instant: Date): string | null;
  /** On a business day and opens <= local time < closes. */
  isWithinHours(instant: Date): boolean;
  /** The instant itself when within hours, else the next opening. */
  clockStart(instant: Date): Date;
  /** POLICY.md "N business days after T": from clockStart(T), n business days on, same local clock time. */
  addBusinessDays(from: Date, n: number): Date;
  /** The same local clock time n calendar days later ("8 weeks" = 56, Director's "5 days"). */
  addCalendarDays(from: Date, n: number): Date;
  /**
   * Whole business days elapsed: the largest k with addBusinessDays(from, k) <= to, so for
   * k >= 1, addBusinessDays(from, k) <= to exactly when k <= result. 0 when `to` is before
   * the clock starts (a Saturday arrival read on Sunday).
   */
  businessDaysBetween(from: Date, to: Date): number;
  /** Opening time of the first business day after the instant's local date. */
  nextBusinessDayStart(instant: Date): Date;
  /** 'YYYY-MM-DD' in the business time zone. */
  localDate(instant: Date): string;
  /** The instant a local date 'YYYY-MM-DD' begins in the business time zone (a letter's date, a report's period). */
  startOfLocalDate(date: string): Date;
  /** The instant a local wall time is in the business time zone: date 'YYYY-MM-DD', time 'HH:MM' or 'HH:MM:SS' (a phone call's time as staff noted it). */
  atLocal(date: string, time: string): Date;
  /** 'Monday 4 January 2027' (en-GB, business time zone), for emails. */
  formatLocal(instant: Date): string;
  /** 'HH:MM' (24-hour, business time zone), for emails: "by 16:00 on Monday 4 January 2027". */
  formatLocalTime(instant: Date): string;
}

export const DEFAULT_BUSINESS_CALENDAR_SETTINGS: Readonly<BusinessCalendarSettings> = Object.freeze({
  timeZone: 'Europe/London',
  holidayRegion: 'GB-ENG',
  opens: '09:00',
  closes: '17:30',
});

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** No region closes for this long; a longer search means broken holiday data. */
const MAX_CLOSED_RUN_DAYS = 366;
const HH_MM = /^(\d{2}):(\d{2})$/;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A local wall-clock reading: days since 1970-01-01 (local) and milliseconds into that day. */
interface Wall {
  day: number;
  msOfDay: number;
}

interface Zone {
  toWall(ms: number): Wall;
  fromWall(day: number, msOfDay: number): number;
}

const zones = new Map<string, Zone>();

export function createBusinessCalendar(input: Partial<BusinessCalendarSettings> = {}): BusinessCalendar {
  const settings = validateSettings(withDefaults(input));
  const zone = zoneFor(settings.timeZone);
  const holidays = holidayTable(settings.holidayRegion);
  const opensMs = clockMinutes(settings.opens) * MINUTE_MS;
  const closesMs = clockMinutes(settings.closes) * MINUTE_MS;
  const businessDates = new Map<number, boolean>();

  const holidayOn = (day: number): string | null => holidays.nameOn(isoDate(day));
  const isBusinessDate = (day: number): boolean => {
    let open = businessDates.get(day);
    if (open === undefined) {
      const weekday = weekdayOf(day);
      open = weekday !== 0 && weekday !== 6 && holidayOn(day) === null;
      businessDates.set(day, open);
    }
    return open;
  };
  const nextBusinessDate = (day: number): number => {
    for (let next = day + 1; next <= day + MAX_CLOSED_RUN_DAYS; next++) {
      if (isBusinessDate(next)) return next;
    }
    throw new RedressError('config', `holidayRegion ${settings.holidayRegion} has no business day within a year of ${isoDate(day)}`);
  };
  const withinHours = (wall: Wall): boolean =>
    isBusinessDate(wall.day) && wall.msOfDay >= opensMs && wall.msOfDay < closesMs;
  const clockStartMs = (ms: number): number => {
    const wall = zone.toWall(ms);
    if (withinHours(wall)) return ms;
    if (isBusinessDate(wall.day) && wall.msOfDay < opensMs) return zone.fromWall(wall.day, opensMs);
    return zone.fromWall(nextBusinessDate(wall.day), opensMs);
  };

  return {
    settings,
    isBusinessDay: (instant) => isBusinessDate(zone.toWall(epochMs(instant)).day),
    isHoliday: (instant) => holidayOn(zone.toWall(epochMs(instant)).day),
    isWithinHours: (instant) => withinHours(zone.toWall(epochMs(instant))),
    clockStart: (instant) => new Date(clockStartMs(epochMs(instant))),
    addBusinessDays(from, n) {
      const start = zone.toWall(clockStartMs(epochMs(from)));
      const count = wholeCount(n, 'n');
      let day = start.day;
      for (let i = 0; i < count; i++) day = nextBusinessDate(day);
      return new Date(zone.fromWall(day, start.msOfDay));
    },
    addCalendarDays(from, n) {
      const wall = zone.toWall(epochMs(from));
      return new Date(zone.fromWall(wall.day + integer(n, 'n'), wall.msOfDay));
    },
    businessDaysBetween(from, to) {
      const startMs = clockStartMs(epochMs(from));
      const toMs = epochMs(to);
      if (toMs < startMs) return 0;
      const start = zone.toWall(startMs);
      const end = zone.toWall(toMs);
      let count = 0;
      for (let day = start.day + 1; day < end.day; day++) {
        if (isBusinessDate(day)) count++;
      }
      const lastDayCounts = end.day > start.day && isBusinessDate(end.day) && zone.fromWall(end.day, start.msOfDay) <= toMs;
      return lastDayCounts ? count + 1 : count;
    },
    nextBusinessDayStart: (instant) =>
      new Date(zone.fromWall(nextBusinessDate(zone.toWall(epochMs(instant)).day), opensMs)),
    localDate: (instant) => isoDate(zone.toWall(epochMs(instant)).day),
    startOfLocalDate: (date) => new Date(zone.fromWall(dayOf(date), 0)),
    atLocal: (date, time) => new Date(zone.fromWall(dayOf(date), msOfTime(time))),
    formatLocal(instant) {
      const day = zone.toWall(epochMs(instant)).day;
      const date = new Date(day * DAY_MS);
      return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
    },
    formatLocalTime(instant) {
      const minutes = Math.floor(zone.toWall(epochMs(instant)).msOfDay / MINUTE_MS);
      return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
    },
  };
}

function zoneFor(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = createZone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

/**
 * Converts between instants and wall-clock readings in one time zone. A wall time that a
 * DST change skips resolves forward by the gap; one that occurs twice resolves to the
 * earlier instant (Temporal's "compatible" disambiguation).
 */
function createZone(timeZone: string): Zone {
  const offsetMs = cachedOffsets(timeZone);
  return {
    toWall(ms) {
      const local = ms + offsetMs(ms);
      const day = Math.floor(local / DAY_MS);
      return { day, msOfDay: local - day * DAY_MS };
    },
    fromWall(day, msOfDay) {
      const local = day * DAY_MS + msOfDay;
      const before = offsetMs(local - DAY_MS);
      const after = offsetMs(local + DAY_MS);
      if (before === after) return local - before;
      const earlier = local - before;
      if (offsetMs(earlier) === before) return earlier;
      const later = local - after;
      if (offsetMs(later) === after) return later;
      return earlier;
    },
  };
}

/**
 * UTC offset (ms) at an instant. Intl costs ~5 us a call and a run asks hundreds of
 * thousands of times, so offsets are kept per UTC day; a day whose two ends disagree holds
 * a DST change and is asked afresh each time.
 */
function cachedOffsets(timeZone: string): (ms: number) => number {
  const raw = (ms: number): number => tzOffset(timeZone, new Date(ms)) * MINUTE_MS;
  const byDay = new Map<number, number | null>();
  return (ms) => {
    const day = Math.floor(ms / DAY_MS);
    let offset = byDay.get(day);
    if (offset === undefined) {
      const first = raw(day * DAY_MS);
      offset = first === raw(day * DAY_MS + DAY_MS - 1) ? first : null;
      byDay.set(day, offset);
    }
    return offset ?? raw(ms);
  };
}

function withDefaults(input: Partial<BusinessCalendarSettings>): BusinessCalendarSettings {
  const defaults = DEFAULT_BUSINESS_CALENDAR_SETTINGS;
  return {
    timeZone: input.timeZone ?? defaults.timeZone,
    holidayRegion: input.holidayRegion ?? defaults.holidayRegion,
    opens: input.opens ?? defaults.opens,
    closes: input.closes ?? defaults.closes,
  };
}

/** Throws a 'config' RedressError naming the first bad field and its value. */
export function validateSettings(settings: BusinessCalendarSettings): Readonly<BusinessCalendarSettings> {
  if (!isTimeZone(settings.timeZone)) {
    throw settingError('timeZone', settings.timeZone, 'must be an IANA time zone such as Europe/London');
  }
  holidayTable(settings.holidayRegion);
  const opens = clockMinutes(settings.opens);
  if (Number.isNaN(opens) || opens >= 24 * 60) {
    throw settingError('opens', settings.opens, 'must be a 24-hour time HH:MM from 00:00 to 23:59');
  }
  const closes = clockMinutes(settings.closes);
  if (Number.isNaN(closes)) {
    throw settingError('closes', settings.closes, 'must be a 24-hour time HH:MM from 00:01 to 24:00');
  }
  if (opens >= closes) {
    throw settingError('opens', settings.opens, `must be before closes (${settings.closes})`);
  }
  return Object.freeze({ ...settings });
}

function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return false;
  }
  return !Number.isNaN(tzOffset(timeZone, new Date(0)));
}

/** Minutes after midnight for 'HH:MM' (00:00-24:00), NaN when malformed. */
function clockMinutes(text: string): number {
  const match = typeof text === 'string' ? HH_MM.exec(text) : null;
  if (!match) return Number.NaN;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return Number(match[2]) < 60 && minutes <= 24 * 60 ? minutes : Number.NaN;
}

function settingError(field: keyof BusinessCalendarSettings, value: unknown, problem: string): RedressError {
  return new RedressError('config', `${field} ${problem}, got ${JSON.stringify(value)}`, {
    context: { field, value },
  });
}

function epochMs(instant: Date): number {
  const ms = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RedressError('invalid_input', `business calendar: not a valid Date: ${String(instant)}`);
  return ms;
}

function integer(n: number, name: string): number {
  if (!Number.isSafeInteger(n)) throw new RedressError('invalid_input', `${name} must be a whole number of days, got ${n}`);
  return n;
}

function wholeCount(n: number, name: string): number {
  if (integer(n, name) < 0) throw new RedressError('invalid_input', `${name} must not be negative, got ${n}`);
  return n;
}

function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** True for a real calendar date written YYYY-MM-DD ('2026-02-30' is not one). */
export function isIsoDate(date: string): boolean {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  return !Number.isNaN(ms) && isoDate(ms / DAY_MS) === date;
}

/** 'HH:MM' or 'HH:MM:SS' (00:00 to 23:59:59) to milliseconds into the day. */
function msOfTime(time: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  const [h, min, sec] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3] ?? 0)];
  if (!m || h > 23 || min > 59 || sec > 59) throw new RedressError('invalid_input', `business calendar: not a time HH:MM or HH:MM:SS: ${JSON.stringify(time)}`);
  return ((h * 60 + min) * 60 + sec) * 1000;
}

/** 'YYYY-MM-DD' to days since 1970-01-01. */
function dayOf(date: string): number {
  if (!isIsoDate(date)) throw new RedressError('invalid_input', `business calendar: not a date YYYY-MM-DD: ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
