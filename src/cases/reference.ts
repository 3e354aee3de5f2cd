import { randomBytes } from 'node:crypto';

/** CMP-2026-000042: the year of receipt in the business time zone, then the case number. */
export function formatReference(year: number, sequence: number): string {
  return `CMP-${year}-${String(sequence).padStart(6, '0')}`;
}

const yearFormats = new Map<string, Intl.DateTimeFormat>();

export function yearIn(instant: Date, timeZone: string): number {
  let format = yearFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric' });
    yearFormats.set(timeZone, format);
  }
  return Number(format.format(instant));
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** 80 random bits as 16 lower-case base32 characters: the per-case token replies must carry. */
export function newCaseToken(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
