import { readdirSync } from 'node:fs';
import { corpusDir, readTsv } from './fixtures.ts';

export interface Miss {
  file: string;
  expected: string;
  actual: string;
}

/** The reviewed class of every dev-corpus message (test/fixtures/corpus/classes.tsv). */
export function expectedClasses(): Map<string, string> {
  return new Map(readTsv('corpus/classes.tsv').map((r) => [r['file'] ?? '', r['expected'] ?? '']));
}

/** Messages the classifier gets wrong today, each with why (test/fixtures/corpus/known-misses.tsv). */
export function knownMisses(): Miss[] {
  return readTsv('corpus/known-misses.tsv').map((r) => ({ file: r['file'] ?? '', expected: r['expected'] ?? '', actual: r['actual'] ?? '' }));
}

/**
 * Messages whose class through intake differs from their class in isolation because they
 * follow up an earlier message of the corpus (test/fixtures/corpus/threaded.tsv): the
 * intake's expected class for them.
 */
export function threadedInIntake(): Map<string, string> {
  return new Map(readTsv('corpus/threaded.tsv').map((r) => [r['file'] ?? '', r['in_intake'] ?? '']));
}

export function corpusFiles(): string[] {
  return readdirSync(`${corpusDir()}dev`)
    .filter((f) => f.endsWith('.eml'))
    .sort();
}

/** Expected against actual per class, for the log. */
export function classCounts(rows: { expected: string; actual: string }[]): string {
  const classes = [...new Set(rows.flatMap((r) => [r.expected, r.actual]))].sort();
  const count = (key: 'expected' | 'actual', c: string) => rows.filter((r) => r[key] === c).length;
  return ['class            expected  actual', ...classes.map((c) => `${c.padEnd(16)} ${String(count('expected', c)).padStart(8)} ${String(count('actual', c)).padStart(7)}`)].join('\n');
}
