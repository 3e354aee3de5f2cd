import { performance } from 'node:perf_hooks';

const started = performance.now();

/** A progress line: seconds since the bench started, then the text. */
export function progress(text: string): void {
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${text}\n`);
}

export function heading(text: string): void {
  process.stdout.write(`\n== ${text} ${'='.repeat(Math.max(0, 74 - text.length))}\n`);
}

export function line(label: string, value: string | number): void {
  process.stdout.write(`  ${label.padEnd(44)} ${value}\n`);
}

export function table(rows: Record<string, string | number>[], columns?: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('  (none)\n');
    return;
  }
  const cols = columns ?? Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const fmt = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(width[i]!)).join('  ')}\n`;
  process.stdout.write(fmt(cols));
  process.stdout.write(fmt(width.map((w) => '-'.repeat(w))));
  for (const r of rows) process.stdout.write(fmt(cols.map((c) => String(r[c] ?? ''))));
}

/** Milliseconds since `t0` (a performance.now() reading). */
export function since(t0: number): number {
  return performance.now() - t0;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function rate(count: number, ms: number): number {
  return ms > 0 ? round((count * 1000) / ms, 1) : 0;
}

export function mib(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

/** A figure measured several times: the median and the range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(values: readonly number[], digits = 1): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: round(median, digits), min: round(sorted[0] ?? 0, digits), max: round(sorted.at(-1) ?? 0, digits), runs: values.map((v) => round(v, digits)) };
}

/** "1234 (1100-1300)": the median, then the range. */
export function showSpread(s: Spread): string {
  return `${s.median} (${s.min}-${s.max})`;
}
