/**
 * Public holidays for a region, from the maintained `date-holidays` library (POLICY.md
 * "Time": "use a maintained holiday library, not a hand list").
 *
 * Only holidays the library types as `public` or `bank` close the office; `observance`,
 * `optional` and `school` days (Mother's Day, Christmas Eve in the US, ...) do not.
 * England and Wales (`GB-ENG`) types every bank holiday, substitute days included, as
 * `public`; Ireland types Good Friday and some substitute days as `bank`.
 *
 * A holiday is a whole local calendar date ('YYYY-MM-DD'); the caller decides which time
 * zone that date is read in. The library's few part-day entries (Halloween from 18:00)
 * are observances and so never reach this table.
 */
import Holidays from 'date-holidays';
import type { HolidaysTypes } from 'date-holidays';

import { RedressError } from '../errors.ts';

const CLOSED_TYPES: ReadonlySet<HolidaysTypes.HolidayType> = new Set(['public', 'bank']);
const REGION_FORM = /^([A-Za-z]{2})(?:-([A-Za-z0-9]+))?$/;

export interface HolidayRegion {
  country: string;
  state?: string;
}

/** Looks up the public holiday on a local date; built once per region and shared. */
export interface HolidayTable {
  readonly region: HolidayRegion;
  /** The holiday's name (several joined with ' / '), or null on an ordinary day. */
  nameOn(isoDate: string): string | null;
}

const tables = new Map<string, HolidayTable>();

/** The table for 'GB-ENG', 'GB', 'US-CA', 'IE', ...; throws naming the bad value. */
export function holidayTable(region: string): HolidayTable {
  const parsed = parseHolidayRegion(region);
  const key = parsed.state ? `${parsed.country}-${parsed.state}` : parsed.country;
  let table = tables.get(key);
  if (!table) {
    table = buildTable(parsed);
    tables.set(key, table);
  }
  return table;
}

/** Splits 'COUNTRY' or 'COUNTRY-STATE' and checks both against the library's data. */
export function parseHolidayRegion(region: string): HolidayRegion {
  const match = REGION_FORM.exec(region);
  if (!match?.[1]) {
    throw regionError(region, 'must be COUNTRY or COUNTRY-STATE, for example GB-ENG');
  }
  const country = match[1].toUpperCase();
  const state = match[2]?.toUpperCase();
  const catalogue = new Holidays();
  if (!(country in catalogue.getCountries('en'))) {
    throw regionError(region, `names no country known to date-holidays (${country})`);
  }
  if (state !== undefined) {
    const states = catalogue.getStates(country, 'en') ?? {};
    if (!(state in states)) {
      const known = Object.keys(states).join(', ') || 'none';
      throw regionError(region, `names no state of ${country} known to date-holidays (known: ${known})`);
    }
  }
  return state === undefined ? { country } : { country, state };
}

function buildTable(region: HolidayRegion): HolidayTable {
  const source = region.state ? new Holidays(region.country, region.state) : new Holidays(region.country);
  const names = new Map<string, string>();
  const loadedYears = new Set<number>();

  const load = (year: number): void => {
    loadedYears.add(year);
    for (const holiday of source.getHolidays(year, 'en')) {
      if (!CLOSED_TYPES.has(holiday.type)) continue;
      const date = holiday.date.slice(0, 10);
      const existing = names.get(date);
      if (existing === undefined) names.set(date, holiday.name);
      else if (!existing.split(' / ').includes(holiday.name)) names.set(date, `${existing} / ${holiday.name}`);
    }
  };

  return {
    region,
    nameOn(isoDate) {
      const year = Number(isoDate.slice(0, 4));
      if (!loadedYears.has(year)) load(year);
      return names.get(isoDate) ?? null;
    },
  };
}

function regionError(value: string, problem: string): RedressError {
  return new RedressError('config', `holidayRegion ${problem}, got "${value}"`, {
    context: { field: 'holidayRegion', value },
  });
}
