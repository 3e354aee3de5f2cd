import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  createBusinessCalendar,
  DEFAULT_BUSINESS_CALENDAR_SETTINGS,
  type BusinessCalendar,
} from '../../src/policy/calendar.ts';
import { RedressError } from '../../src/errors.ts';

// Every instant is written with an explicit offset, so nothing depends on the machine's TZ.
// Europe/London is +00:00 (GMT) in winter and +01:00 (BST) from the last Sunday of March
// to the last Sunday of October.
const at = (iso: string): Date => new Date(iso);
const iso = (date: Date): string => date.toISOString();
const london = createBusinessCalendar();

describe('business calendar (POLICY.md Time)', () => {
  describe('settings', () => {
    it('defaults to Europe/London, England and Wales bank holidays, 09:00-17:30', () => {
      expect(london.settings).toEqual({ timeZone: 'Europe/London', holidayRegion: 'GB-ENG', opens: '09:00', closes: '17:30' });
      expect(createBusinessCalendar(DEFAULT_BUSINESS_CALENDAR_SETTINGS).settings).toEqual(london.settings);
    });

    it('keeps its settings frozen', () => {
      expect(Object.isFrozen(london.settings)).toBe(true);
    });

    it.each([
      [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone', 'Mars/Olympus_Mons'],
      [{ timeZone: '' }, 'timeZone', '""'],
      [{ holidayRegion: 'XX' }, 'holidayRegion', 'XX'],
      [{ holidayRegion: 'GB-ZZZ' }, 'holidayRegion', 'GB-ZZZ'],
      [{ holidayRegion: 'England' }, 'holidayRegion', 'England'],
      [{ holidayRegion: 'GB-ENG-X' }, 'holidayRegion', 'GB-ENG-X'],
      [{ opens: '9:00' }, 'opens', '9:00'],
      [{ opens: '24:00' }, 'opens', '24:00'],
      [{ opens: '09:60' }, 'opens', '09:60'],
      [{ closes: '5pm' }, 'closes', '5pm'],
      [{ closes: '24:01' }, 'closes', '24:01'],
      [{ opens: '17:30', closes: '09:00' }, 'opens', '17:30'],
      [{ opens: '09:00', closes: '09:00' }, 'opens', '09:00'],
    ])('rejects %j, naming the field %s and the value', (settings, field, value) => {
      expect(() => createBusinessCalendar(settings)).toThrow(field);
      expect(() => createBusinessCalendar(settings)).toThrow(value);
      try {
        createBusinessCalendar(settings);
      } catch (err) {
        expect(err).toBeInstanceOf(RedressError);
        expect(err).toMatchObject({ code: 'config', context: { field } });
      }
    });

    it.each(['GB', 'GB-ENG', 'GB-SCT', 'US', 'US-CA', 'IE', 'AU-NSW', 'gb-eng'])('accepts the region form %s', (region) => {
      expect(() => createBusinessCalendar({ holidayRegion: region })).not.toThrow();
    });

    it('accepts 24-hour operation (00:00-24:00)', () => {
      const always = createBusinessCalendar({ opens: '00:00', closes: '24:00' });
      expect(always.isWithinHours(at('2026-06-08T23:59:59.999+01:00'))).toBe(true);
      expect(always.isWithinHours(at('2026-06-08T00:00:00+01:00'))).toBe(true);
      expect(always.isWithinHours(at('2026-06-06T12:00:00+01:00'))).toBe(false); // Saturday
    });
  });

  describe('business days: Monday to Friday minus England and Wales bank holidays', () => {
    it.each([
      ['2026-06-08T12:00:00+01:00', 'Monday', true],
      ['2026-06-09T12:00:00+01:00', 'Tuesday', true],
      ['2026-06-10T12:00:00+01:00', 'Wednesday', true],
      ['2026-06-11T12:00:00+01:00', 'Thursday', true],
      ['2026-06-12T12:00:00+01:00', 'Friday', true],
      ['2026-06-13T12:00:00+01:00', 'Saturday', false],
      ['2026-06-14T12:00:00+01:00', 'Sunday', false],
    ])('%s (%s) is a business day: %s', (instant, _day, expected) => {
      expect(london.isBusinessDay(at(instant))).toBe(expected);
      expect(london.isHoliday(at(instant))).toBeNull();
    });

    it.each([
      ['2026-01-01', 'Z', "New Year's Day"],
      ['2026-04-03', '+01:00', 'Good Friday'],
      ['2026-04-06', '+01:00', 'Easter Monday'],
      ['2026-05-04', '+01:00', 'Early May bank holiday'],
      ['2026-05-25', '+01:00', 'Spring bank holiday'],
      ['2026-08-31', '+01:00', 'Summer bank holiday'],
      ['2026-12-25', 'Z', 'Christmas Day'],
      ['2026-12-28', 'Z', 'Boxing Day (substitute day)'],
      ['2027-01-01', 'Z', "New Year's Day"],
      ['2027-03-26', 'Z', 'Good Friday'],
      ['2027-03-29', '+01:00', 'Easter Monday'],
      ['2027-05-03', '+01:00', 'Early May bank holiday'],
      ['2027-05-31', '+01:00', 'Spring bank holiday'],
      ['2027-08-30', '+01:00', 'Summer bank holiday'],
      ['2027-12-27', 'Z', 'Christmas Day (substitute day)'],
      ['2027-12-28', 'Z', 'Boxing Day (substitute day)'],
      ['2028-01-03', 'Z', "New Year's Day (substitute day)"],
    ])('the weekday %s (UTC%s) is a bank holiday, %s, for the whole London day', (date, offset, name) => {
      for (const time of ['T00:00:00', 'T12:00:00', 'T23:59:59.999']) {
        const instant = at(`${date}${time}${offset}`);
        expect(london.isHoliday(instant)).toBe(name);
        expect(london.isBusinessDay(instant)).toBe(false);
        expect(london.isWithinHours(instant)).toBe(false);
      }
    });

    it.each([
      ['2026-12-26', 'Boxing Day'],
      ['2027-12-25', 'Christmas Day'],
      ['2027-12-26', 'Boxing Day'],
    ])('a bank holiday on a weekend (%s, %s) is named, and its weekday substitute closes instead', (date, name) => {
      expect(london.isHoliday(at(`${date}T12:00:00Z`))).toBe(name);
      expect(london.isBusinessDay(at(`${date}T12:00:00Z`))).toBe(false);
    });

    it('judges the holiday on the London date, not the UTC date', () => {
      // Summer bank holiday 2026 runs 00:00-24:00 BST = 30 Aug 23:00Z - 31 Aug 23:00Z
      expect(london.isHoliday(at('2026-08-30T23:00:00Z'))).toBe('Summer bank holiday');
      expect(london.isHoliday(at('2026-08-31T22:59:59.999Z'))).toBe('Summer bank holiday');
      expect(london.isHoliday(at('2026-08-31T23:00:00Z'))).toBeNull();
      expect(london.isBusinessDay(at('2026-08-31T23:00:00Z'))).toBe(true); // Tuesday 00:00 BST
    });

    it('does not close for observances the library lists (Mother\'s Day, Easter Sunday)', () => {
      expect(london.isHoliday(at('2026-03-15T12:00:00Z'))).toBeNull();
      expect(london.isHoliday(at('2026-04-05T12:00:00+01:00'))).toBeNull();
    });

    it('follows the maintained library for one-off bank holidays (2022 Jubilee, state funeral)', () => {
      expect(london.isHoliday(at('2022-06-03T12:00:00+01:00'))).toBe('Queen’s Platinum Jubilee');
      expect(london.isHoliday(at('2022-09-19T12:00:00+01:00'))).toBe("Queen Elizabeth's Funeral Day");
    });

    it('uses the state: Scotland closes on 2 January and not on Easter Monday', () => {
      const scotland = createBusinessCalendar({ holidayRegion: 'GB-SCT' });
      expect(scotland.isHoliday(at('2026-01-02T12:00:00Z'))).toBe('January 2nd');
      expect(scotland.isBusinessDay(at('2026-04-06T12:00:00+01:00'))).toBe(true);
      expect(london.isBusinessDay(at('2026-01-02T12:00:00Z'))).toBe(true);
    });
  });

  describe('business hours: 09:00-17:30 local, closing time is outside', () => {
    it.each([
      ['2026-01-12T08:59:59.999Z', 'just before opening', false],
      ['2026-01-12T09:00:00Z', 'exactly at opening', true],
      ['2026-01-12T12:00:00Z', 'midday', true],
      ['2026-01-12T17:29:59.999Z', 'just before closing', true],
      ['2026-01-12T17:30:00Z', 'exactly at closing', false],
      ['2026-01-12T23:00:00Z', 'late evening', false],
      ['2026-06-08T08:00:00Z', 'opening in BST (08:00Z)', true],
      ['2026-06-08T07:59:59Z', 'before opening in BST', false],
      ['2026-06-08T16:30:00Z', 'closing in BST (16:30Z)', false],
      ['2026-01-10T12:00:00Z', 'Saturday midday', false],
      ['2026-05-25T12:00:00+01:00', 'bank holiday midday', false],
    ])('%s (%s) is within hours: %s', (instant, _what, expected) => {
      expect(london.isWithinHours(at(instant))).toBe(expected);
    });
  });

  describe('clockStart: a message outside hours starts its clock at the next opening', () => {
    it.each([
      ['2026-01-12T11:15:42.123Z', '2026-01-12T11:15:42.123Z', 'within hours: the instant itself'],
      ['2026-01-12T09:00:00Z', '2026-01-12T09:00:00.000Z', 'exactly at opening: the instant itself'],
      ['2026-01-12T06:30:00Z', '2026-01-12T09:00:00.000Z', 'before opening: opening the same day'],
      ['2026-01-12T17:30:00Z', '2026-01-13T09:00:00.000Z', 'exactly at closing: next morning'],
      ['2026-01-12T21:00:00Z', '2026-01-13T09:00:00.000Z', 'after closing: next morning'],
      ['2026-01-16T18:00:00Z', '2026-01-19T09:00:00.000Z', 'Friday evening: Monday'],
      ['2026-01-17T10:00:00Z', '2026-01-19T09:00:00.000Z', 'Saturday: Monday'],
      ['2026-01-18T23:59:59Z', '2026-01-19T09:00:00.000Z', 'Sunday night: Monday'],
      ['2026-04-02T18:00:00+01:00', '2026-04-07T08:00:00.000Z', 'Maundy Thursday evening: Tuesday after Easter'],
      ['2026-12-24T18:00:00Z', '2026-12-29T09:00:00.000Z', 'Christmas Eve evening: Tuesday 29 December'],
      ['2026-12-31T17:45:00Z', '2027-01-04T09:00:00.000Z', 'New Year\'s Eve evening: Monday 4 January'],
      ['2026-06-05T23:30:00Z', '2026-06-08T08:00:00.000Z', 'Saturday 00:30 BST (Friday in UTC): Monday 09:00 BST'],
    ])('%s -> %s (%s)', (arrival, expected) => {
      expect(iso(london.clockStart(at(arrival)))).toBe(expected);
    });

    it('returns a new Date, never the caller\'s object', () => {
      const arrival = at('2026-01-12T11:00:00Z');
      const start = london.clockStart(arrival);
      expect(start).not.toBe(arrival);
      expect(start).toEqual(arrival);
    });
  });

  describe('addBusinessDays (POLICY.md "N business days after T")', () => {
    it.each([
      ['R1: Friday 16:00 + 1 = Monday 16:00', '2026-01-16T16:00:00Z', 1, '2026-01-19T16:00:00.000Z'],
      ['R1: a Saturday arrival + 1 = Tuesday 09:00', '2026-01-17T11:00:00Z', 1, '2026-01-20T09:00:00.000Z'],
      ['R1: Friday 18:00 + 1 = Tuesday 09:00 (clock starts Monday 09:00)', '2026-01-16T18:00:00Z', 1, '2026-01-20T09:00:00.000Z'],
      ['R1: Friday exactly 17:30 + 1 = Tuesday 09:00', '2026-01-16T17:30:00Z', 1, '2026-01-20T09:00:00.000Z'],
      ['R1: Monday 08:00 + 1 = Tuesday 09:00', '2026-01-12T08:00:00Z', 1, '2026-01-13T09:00:00.000Z'],
      ['R1: Monday exactly 09:00 + 1 = Tuesday 09:00', '2026-01-12T09:00:00Z', 1, '2026-01-13T09:00:00.000Z'],
      ['R1: Monday 17:29 + 1 = Tuesday 17:29', '2026-01-12T17:29:00Z', 1, '2026-01-13T17:29:00.000Z'],
      ['R1: Thursday 24 Dec 2026 15:00 + 1 = Tuesday 29 Dec 15:00 (Christmas, Boxing Day substitute)', '2026-12-24T15:00:00Z', 1, '2026-12-29T15:00:00.000Z'],
      ['R1: Maundy Thursday 2026 + 1 skips Good Friday and Easter Monday', '2026-04-02T10:00:00+01:00', 1, '2026-04-07T09:00:00.000Z'],
      ['R1: Maundy Thursday 2027 + 1 skips Easter and the clock change (GMT -> BST)', '2027-03-25T10:00:00Z', 1, '2027-03-30T09:00:00.000Z'],
      ['R1: the Friday before the early May bank holiday + 1 = Tuesday', '2026-05-01T11:00:00+01:00', 1, '2026-05-05T10:00:00.000Z'],
      ['R1: the Friday before the summer bank holiday + 1 = Tuesday', '2026-08-28T14:00:00+01:00', 1, '2026-09-01T13:00:00.000Z'],
      ['R1: 31 Dec 2026 + 1 = Monday 4 Jan 2027 (New Year\'s Day, weekend)', '2026-12-31T10:00:00Z', 1, '2027-01-04T10:00:00.000Z'],
      ['R1: Friday 24 Dec 2027 + 1 = Wednesday 29 Dec (two substitute days)', '2027-12-24T15:00:00Z', 1, '2027-12-29T15:00:00.000Z'],
      ['R1: Friday 31 Dec 2027 + 1 = Tuesday 4 Jan 2028 (New Year substitute Monday)', '2027-12-31T12:00:00Z', 1, '2028-01-04T12:00:00.000Z'],
      ['R1 across spring-forward: Friday 27 Mar 16:00 GMT + 1 = Monday 30 Mar 16:00 BST', '2026-03-27T16:00:00Z', 1, '2026-03-30T15:00:00.000Z'],
      ['R1 across fall-back: Friday 23 Oct 16:00 BST + 1 = Monday 26 Oct 16:00 GMT', '2026-10-23T16:00:00+01:00', 1, '2026-10-26T16:00:00.000Z'],
      ['R1: arrival at 01:30 on the spring-forward Sunday + 1 = Tuesday 09:00 BST', '2026-03-29T00:30:00Z', 1, '2026-03-31T08:00:00.000Z'],
      ['R1: arrival at 01:30 BST in the repeated hour + 1 = Tuesday 09:00 GMT', '2026-10-25T00:30:00Z', 1, '2026-10-27T09:00:00.000Z'],
      ['R3: Wednesday 25 Mar 10:00 GMT + 5 = Wednesday 1 Apr 10:00 BST', '2026-03-25T10:00:00Z', 5, '2026-04-01T09:00:00.000Z'],
      ['R3: Tuesday 19 May + 5 = Wednesday 27 May (spring bank holiday)', '2026-05-19T11:00:00+01:00', 5, '2026-05-27T10:00:00.000Z'],
      ['R3: Tuesday 20 Oct 11:00 BST + 5 = Tuesday 27 Oct 11:00 GMT', '2026-10-20T11:00:00+01:00', 5, '2026-10-27T11:00:00.000Z'],
      ['R6: technical target, 3 business days from Wednesday = Monday', '2026-01-14T10:00:00Z', 3, '2026-01-19T10:00:00.000Z'],
      ['R6: technical overdue, 5 business days from Wednesday = Wednesday', '2026-01-14T10:00:00Z', 5, '2026-01-21T10:00:00.000Z'],
      ['R12: 5 business days of silence after an outcome sent on a Sunday = Monday week, 09:00', '2026-01-18T20:00:00Z', 5, '2026-01-26T09:00:00.000Z'],
      ['R3: 5 business days over Christmas and New Year 2026', '2026-12-23T12:00:00Z', 5, '2027-01-04T12:00:00.000Z'],
      ['N = 0 within hours is the instant itself', '2026-01-12T11:00:00Z', 0, '2026-01-12T11:00:00.000Z'],
      ['N = 0 on a Saturday is the clock start, Monday 09:00', '2026-01-17T11:00:00Z', 0, '2026-01-19T09:00:00.000Z'],
      ['N = 0 after closing is the next opening', '2026-12-24T17:30:00Z', 0, '2026-12-29T09:00:00.000Z'],
      ['a long count: 20 business days from 1 Dec 2026', '2026-12-01T10:00:00Z', 20, '2026-12-31T10:00:00.000Z'],
    ])('%s', (_name, from, n, expected) => {
      expect(iso(london.addBusinessDays(at(from), n))).toBe(expected);
    });

    it('N = 0 returns clockStart(T) for arrivals at every hour of a week', () => {
      for (let hour = 0; hour < 7 * 24; hour++) {
        const arrival = new Date(Date.UTC(2026, 0, 12, hour, 17));
        expect(london.addBusinessDays(arrival, 0)).toEqual(london.clockStart(arrival));
      }
    });

    it('keeps seconds and milliseconds of the local clock time', () => {
      expect(iso(london.addBusinessDays(at('2026-01-16T16:04:05.678Z'), 1))).toBe('2026-01-19T16:04:05.678Z');
    });

    it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects n = %s', (n) => {
      expect(() => london.addBusinessDays(at('2026-01-12T10:00:00Z'), n)).toThrow(RedressError);
    });

    it('rejects an invalid Date', () => {
      expect(() => london.addBusinessDays(new Date(Number.NaN), 1)).toThrow(/not a valid Date/);
      expect(() => london.isBusinessDay(new Date('not a date'))).toThrow(RedressError);
    });
  });

  describe('addCalendarDays ("8 weeks" = 56 days, Director "within 5 days")', () => {
    it.each([
      ['R14: 8 weeks from 10 Feb 10:00 GMT = 7 Apr 10:00 BST', '2026-02-10T10:00:00Z', 56, '2026-04-07T09:00:00.000Z'],
      ['R14: 8 weeks from 1 Oct 10:00 BST = 26 Nov 10:00 GMT', '2026-10-01T10:00:00+01:00', 56, '2026-11-26T10:00:00.000Z'],
      ['R14: 8 weeks across the year end', '2026-11-20T22:15:00Z', 56, '2027-01-15T22:15:00.000Z'],
      ['R7: Director 5 days counts weekends and holidays (Good Friday + 5 = Wednesday)', '2026-04-03T11:00:00+01:00', 5, '2026-04-08T10:00:00.000Z'],
      ['R7: an escalation outside hours is not moved to the opening', '2026-01-17T23:00:00Z', 5, '2026-01-22T23:00:00.000Z'],
      ['0 days is the same instant', '2026-01-17T23:00:00Z', 0, '2026-01-17T23:00:00.000Z'],
      ['negative days go back (R14 warning 2 weeks before)', '2026-04-07T09:00:00Z', -14, '2026-03-24T10:00:00.000Z'],
      ['a wall time the clock change skips (01:30 on 29 Mar) moves forward by the gap', '2026-03-28T01:30:00Z', 1, '2026-03-29T01:30:00.000Z'],
      ['a wall time that happens twice (01:30 on 25 Oct) takes the first', '2026-10-24T01:30:00+01:00', 1, '2026-10-25T00:30:00.000Z'],
    ])('%s', (_name, from, n, expected) => {
      expect(iso(london.addCalendarDays(at(from), n))).toBe(expected);
    });

    it('rejects fractional days', () => {
      expect(() => london.addCalendarDays(at('2026-01-12T10:00:00Z'), 0.5)).toThrow(/whole number/);
    });
  });

  describe('businessDaysBetween: whole business days elapsed, consistent with addBusinessDays', () => {
    it.each([
      ['the same instant', '2026-01-12T11:00:00Z', '2026-01-12T11:00:00Z', 0],
      ['Friday 16:00 to Monday 15:59:59.999', '2026-01-16T16:00:00Z', '2026-01-19T15:59:59.999Z', 0],
      ['Friday 16:00 to Monday 16:00', '2026-01-16T16:00:00Z', '2026-01-19T16:00:00Z', 1],
      ['a Saturday arrival to Monday 17:00', '2026-01-17T11:00:00Z', '2026-01-19T17:00:00Z', 0],
      ['a Saturday arrival to Tuesday 09:00', '2026-01-17T11:00:00Z', '2026-01-20T09:00:00Z', 1],
      ['to before from', '2026-01-19T11:00:00Z', '2026-01-12T11:00:00Z', 0],
      ['a Saturday arrival to Sunday (before the clock starts)', '2026-01-17T11:00:00Z', '2026-01-18T11:00:00Z', 0],
      ['Christmas Eve 15:00 to Tuesday 29 Dec 15:00', '2026-12-24T15:00:00Z', '2026-12-29T15:00:00Z', 1],
      ['Christmas Eve 15:00 to Monday 4 Jan 2027 15:00', '2026-12-24T15:00:00Z', '2027-01-04T15:00:00Z', 4],
      ['across spring-forward, Friday 16:00 GMT to Monday 16:00 BST', '2026-03-27T16:00:00Z', '2026-03-30T15:00:00Z', 1],
      ['across spring-forward, one minute early', '2026-03-27T16:00:00Z', '2026-03-30T14:59:00Z', 0],
      ['8 weeks of an ordinary spring (R14 window)', '2026-02-10T10:00:00Z', '2026-04-07T09:00:00Z', 38],
    ])('%s: %s -> %s is %i', (_name, from, to, expected) => {
      expect(london.businessDaysBetween(at(from), at(to))).toBe(expected);
    });

    it('addBusinessDays(t, k) <= to exactly when k <= businessDaysBetween(t, to), for instants across 2026-2027', () => {
      const failures: string[] = [];
      const step = 7 * 3_600_000 + 13 * 60_000 + 7_000; // walks through every time of day
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2028, 0, 1); ms += step) {
        const from = new Date(ms);
        for (let k = 1; k <= 6; k++) {
          const due = london.addBusinessDays(from, k);
          const atDue = london.businessDaysBetween(from, due);
          const justBefore = london.businessDaysBetween(from, new Date(due.getTime() - 1));
          if (atDue !== k || justBefore !== k - 1) failures.push(`${iso(from)} k=${k}: ${atDue}, ${justBefore}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('brackets any later instant: addBusinessDays(t, r) <= to < addBusinessDays(t, r + 1)', () => {
      const failures: string[] = [];
      for (let i = 0; i < 1500; i++) {
        const fromMs = Date.UTC(2026, 0, 1) + ((i * 7_919_993_011) % (730 * 86_400_000));
        const from = new Date(fromMs);
        const to = new Date(london.clockStart(from).getTime() + ((i * 104_729_017) % (40 * 86_400_000)));
        const r = london.businessDaysBetween(from, to);
        const low = london.addBusinessDays(from, r).getTime();
        const high = london.addBusinessDays(from, r + 1).getTime();
        if (!(low <= to.getTime() && to.getTime() < high)) failures.push(`${iso(from)} -> ${iso(to)}: ${r}`);
      }
      expect(failures).toEqual([]);
    });
  });

  describe('nextBusinessDayStart', () => {
    it.each([
      ['Friday midday -> Monday 09:00', '2026-01-16T12:00:00Z', '2026-01-19T09:00:00.000Z'],
      ['Thursday before opening -> Friday 09:00 (strictly after the local date)', '2026-01-15T01:00:00Z', '2026-01-16T09:00:00.000Z'],
      ['Saturday 00:30 BST (Friday in UTC) -> Monday 09:00 BST', '2026-06-05T23:30:00Z', '2026-06-08T08:00:00.000Z'],
      ['Christmas Eve -> Tuesday 29 December', '2026-12-24T10:00:00Z', '2026-12-29T09:00:00.000Z'],
      ['Friday before spring-forward -> Monday 09:00 BST', '2026-03-27T10:00:00Z', '2026-03-30T08:00:00.000Z'],
      ['Friday before fall-back -> Monday 09:00 GMT', '2026-10-23T10:00:00+01:00', '2026-10-26T09:00:00.000Z'],
      ['Maundy Thursday -> the Tuesday after Easter', '2027-03-25T10:00:00Z', '2027-03-30T08:00:00.000Z'],
    ])('%s', (_name, instant, expected) => {
      expect(iso(london.nextBusinessDayStart(at(instant)))).toBe(expected);
    });
  });

  describe('localDate, formatLocal and formatLocalTime (for emails)', () => {
    it.each([
      ['2026-06-30T23:30:00Z', '2026-07-01', 'Wednesday 1 July 2026', '00:30'],
      ['2026-12-31T23:30:00Z', '2026-12-31', 'Thursday 31 December 2026', '23:30'],
      ['2027-01-04T09:00:00Z', '2027-01-04', 'Monday 4 January 2027', '09:00'],
      ['2026-03-29T01:00:00Z', '2026-03-29', 'Sunday 29 March 2026', '02:00'],
      ['2026-10-25T01:00:00Z', '2026-10-25', 'Sunday 25 October 2026', '01:00'],
    ])('%s is %s, "%s", %s in London', (instant, date, text, time) => {
      expect(london.localDate(at(instant))).toBe(date);
      expect(london.formatLocal(at(instant))).toBe(text);
      expect(london.formatLocalTime(at(instant))).toBe(time);
    });
  });


  describe('startOfLocalDate: where a local date begins (a letter date, a report period)', () => {
    it.each([
      ['2026-01-15', '2026-01-15T00:00:00.000Z'], // GMT
      ['2026-07-01', '2026-06-30T23:00:00.000Z'], // BST
      ['2026-03-29', '2026-03-29T00:00:00.000Z'], // the spring-forward day starts before the change
      ['2026-10-26', '2026-10-26T00:00:00.000Z'], // the day after autumn's change
    ])('%s begins at %s in London', (date, instant) => {
      expect(iso(london.startOfLocalDate(date))).toBe(instant);
      expect(london.localDate(london.startOfLocalDate(date))).toBe(date);
    });

    it('refuses what is not a real date YYYY-MM-DD', () => {
      for (const bad of ['2026-02-30', '2026-13-45', '2026-2-3', '03/02/2026', '']) {
        expect(() => london.startOfLocalDate(bad)).toThrow(/not a date YYYY-MM-DD/);
      }
    });
  });
  describe('atLocal: the instant of a wall time in the business time zone (a phone call staff noted)', () => {
    it.each([
      ['2026-09-04', '16:55', '2026-09-04T15:55:00.000Z'], // BST
      ['2026-01-15', '09:30:15', '2026-01-15T09:30:15.000Z'], // GMT
      ['2026-03-29', '01:30', '2026-03-29T01:30:00.000Z'], // skipped by spring-forward: moves on by the gap
      ['2026-10-25', '01:30', '2026-10-25T00:30:00.000Z'], // twice in autumn: the earlier
    ])('%s %s is %s in London', (date, time, instant) => {
      expect(iso(london.atLocal(date, time))).toBe(instant);
    });

    it('refuses what is not a time HH:MM or HH:MM:SS', () => {
      for (const bad of ['24:00', '9:30', '12:60', '12:00:60', 'noon']) expect(() => london.atLocal('2026-09-04', bad)).toThrow(/not a time HH:MM or HH:MM:SS/);
    });
  });

  describe('other regions and time zones', () => {
    const newYork = createBusinessCalendar({ timeZone: 'America/New_York', holidayRegion: 'US', opens: '09:00', closes: '17:00' });
    const california = createBusinessCalendar({ timeZone: 'America/Los_Angeles', holidayRegion: 'US-CA', opens: '09:00', closes: '17:00' });
    const ireland = createBusinessCalendar({ timeZone: 'Europe/Dublin', holidayRegion: 'IE', opens: '09:00', closes: '17:30' });
    const sydney = createBusinessCalendar({ timeZone: 'Australia/Sydney', holidayRegion: 'AU-NSW', opens: '08:30', closes: '17:00' });

    it('US: Thanksgiving closes; the day after is only an observance nationally but a holiday in California', () => {
      expect(newYork.isHoliday(at('2026-11-26T12:00:00-05:00'))).toBe('Thanksgiving Day');
      expect(newYork.isBusinessDay(at('2026-11-27T12:00:00-05:00'))).toBe(true);
      expect(california.isHoliday(at('2026-11-27T12:00:00-08:00'))).toBe('Day after Thanksgiving Day');
    });

    it('US: optional and observance days stay open (Christmas Eve, Tax Day)', () => {
      expect(newYork.isBusinessDay(at('2026-12-24T12:00:00-05:00'))).toBe(true);
      expect(newYork.isBusinessDay(at('2026-04-15T12:00:00-04:00'))).toBe(true);
    });

    it('US: Thursday 2 July 2026 16:00 + 1 = Monday 6 July 16:00 (Independence Day observed Friday)', () => {
      expect(newYork.isHoliday(at('2026-07-03T12:00:00-04:00'))).toBe('Independence Day (substitute day)');
      expect(iso(newYork.addBusinessDays(at('2026-07-02T16:00:00-04:00'), 1))).toBe('2026-07-06T20:00:00.000Z');
    });

    it('US: New Year 2028 (a Saturday) is observed on Friday 31 December 2027', () => {
      expect(newYork.isHoliday(at('2027-12-31T12:00:00-05:00'))).toBe("New Year's Day (substitute day)");
      expect(newYork.localDate(newYork.nextBusinessDayStart(at('2027-12-30T12:00:00-05:00')))).toBe('2028-01-03');
    });

    it('US: across the March clock change (second Sunday), Friday 16:00 EST + 1 = Monday 16:00 EDT', () => {
      expect(iso(newYork.addBusinessDays(at('2026-03-06T16:00:00-05:00'), 1))).toBe('2026-03-09T20:00:00.000Z');
    });

    it('US: hours are read in New York, 17:00 closing counts as outside', () => {
      expect(newYork.isWithinHours(at('2026-01-12T21:59:00Z'))).toBe(true);
      expect(newYork.isWithinHours(at('2026-01-12T22:00:00Z'))).toBe(false);
      expect(iso(newYork.clockStart(at('2026-01-12T22:00:00Z')))).toBe('2026-01-13T14:00:00.000Z');
    });

    it('IE: closes on St Brigid\'s Day, St Patrick\'s Day and the library\'s "bank" Good Friday', () => {
      expect(ireland.isHoliday(at('2026-02-02T12:00:00Z'))).toBe('St. Brigid’s Day');
      expect(ireland.isHoliday(at('2026-03-17T12:00:00Z'))).toBe('St. Patrick’s Day');
      expect(ireland.isHoliday(at('2026-04-03T12:00:00+01:00'))).toBe('Good Friday');
      expect(ireland.isBusinessDay(at('2026-08-31T12:00:00+01:00'))).toBe(true); // an English holiday only
    });

    it('IE: Christmas Eve 2026 15:00 + 1 = Tuesday 29 Dec (St Stephen\'s Day substitute Monday)', () => {
      expect(iso(ireland.addBusinessDays(at('2026-12-24T15:00:00Z'), 1))).toBe('2026-12-29T15:00:00.000Z');
    });

    it('AU-NSW: Maundy Thursday 2026 + 1 skips Easter and the April clock change (AEDT -> AEST)', () => {
      // 10:00 AEDT (+11) on 2 Apr; 10:00 AEST (+10) on Tuesday 7 Apr
      expect(iso(sydney.addBusinessDays(at('2026-04-02T10:00:00+11:00'), 1))).toBe('2026-04-07T00:00:00.000Z');
      expect(sydney.isWithinHours(at('2026-04-07T08:30:00+10:00'))).toBe(true);
      expect(sydney.isWithinHours(at('2026-04-07T08:29:00+10:00'))).toBe(false);
    });

    it('judges England and Wales holidays on the business time zone\'s own date (Asia/Kolkata, +05:30)', () => {
      const kolkata = createBusinessCalendar({ timeZone: 'Asia/Kolkata', holidayRegion: 'GB-ENG' });
      expect(kolkata.isHoliday(at('2026-12-24T18:30:00Z'))).toBe('Christmas Day');
      expect(kolkata.isHoliday(at('2026-12-24T18:29:59Z'))).toBeNull();
      expect(iso(kolkata.addBusinessDays(at('2026-12-24T15:00:00+05:30'), 1))).toBe('2026-12-29T09:30:00.000Z');
    });

    it('custom hours 08:00-18:00: 17:59 is inside, 18:00 is outside', () => {
      const long = createBusinessCalendar({ opens: '08:00', closes: '18:00' });
      expect(long.isWithinHours(at('2026-01-12T08:00:00Z'))).toBe(true);
      expect(long.isWithinHours(at('2026-01-12T17:59:00Z'))).toBe(true);
      expect(iso(long.addBusinessDays(at('2026-01-16T18:00:00Z'), 1))).toBe('2026-01-20T08:00:00.000Z');
    });

    it('property holds in New York too', () => {
      const failures: string[] = [];
      for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 11 * 3_600_000 + 1_234_567) {
        const from = new Date(ms);
        for (let k = 1; k <= 5; k++) {
          const due = newYork.addBusinessDays(from, k);
          if (newYork.businessDaysBetween(from, due) !== k || newYork.businessDaysBetween(from, new Date(due.getTime() - 1)) !== k - 1) {
            failures.push(`${iso(from)} k=${k}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  });

  describe('purity', () => {
    it('gives the same answers whatever the process time zone is', () => {
      const probe = (calendar: BusinessCalendar): string[] => [
        iso(calendar.addBusinessDays(at('2026-03-27T16:00:00Z'), 1)),
        iso(calendar.addCalendarDays(at('2026-10-01T10:00:00+01:00'), 56)),
        calendar.localDate(at('2026-06-30T23:30:00Z')),
        String(calendar.businessDaysBetween(at('2026-12-24T15:00:00Z'), at('2027-01-04T15:00:00Z'))),
      ];
      const expected = probe(london);
      const original = process.env.TZ;
      try {
        for (const tz of ['UTC', 'America/New_York', 'Pacific/Kiritimati', 'Australia/Lord_Howe']) {
          process.env.TZ = tz;
          expect(probe(createBusinessCalendar())).toEqual(expected);
        }
      } finally {
        if (original === undefined) delete process.env.TZ;
        else process.env.TZ = original;
      }
    });

    it('reads no clock: no Date.now() or argument-less new Date() in the module', () => {
      for (const file of ['calendar.ts', 'holidays.ts']) {
        const source = readFileSync(new URL(`../../src/policy/${file}`, import.meta.url), 'utf8');
        expect(source).not.toMatch(/Date\.now\s*\(|new Date\s*\(\s*\)/);
      }
    });

    it('does not mutate its inputs', () => {
      const from = at('2026-01-16T16:00:00Z');
      london.addBusinessDays(from, 3);
      london.addCalendarDays(from, 56);
      london.clockStart(from);
      expect(iso(from)).toBe('2026-01-16T16:00:00.000Z');
    });
  });
});
