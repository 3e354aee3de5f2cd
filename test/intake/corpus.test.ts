import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/intake/classify.ts';
import { parseMessage } from '../../src/intake/parse.ts';
import { NO_AUTH } from '../../src/intake/sender-auth.ts';
import type { ClassifyContext } from '../../src/intake/types.ts';
import { testConfig } from '../helpers/test-config.ts';

function corpusDir(): string {
  const dir = testConfig.corpusDir.endsWith('/') ? testConfig.corpusDir : `${testConfig.corpusDir}/`;
  if (!existsSync(`${dir}INDEX.tsv`)) throw new Error(`corpus not found at ${dir}; set REDRESS_CORPUS_DIR to the folder holding INDEX.tsv and dev/`);
  return dir;
}

const limits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };
const emptyContext: ClassifyContext = {
  ownAddresses: new Set(['complaints@redress.test']),
  staffAddresses: new Set(),
  staffAuthRequired: false,
  senderAuth: NO_AUTH,
  thread: null,
  namedReference: null,
  missingFactsMinWords: 8,
};

/** Categories (INDEX.tsv, a heuristic first pass) that must never open a case. */
const NEVER_A_COMPLAINT = new Set(['bounce', 'auto-reply', 'mdn']);

interface Row {
  file: string;
  category: string;
  kind: string;
  reasons: string[];
  ms: number;
}

describe('the development corpus (545 real-world messages)', () => {
  it('parses and classifies every message without a throw; bounces, auto-replies and receipts open no case (POLICY: what is not a complaint)', async () => {
    const dir = corpusDir();
    const categories = new Map(
      readFileSync(`${dir}INDEX.tsv`, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split('\t'))
        .map(([file, , category]) => [file ?? '', category ?? ''] as const),
    );
    const files = readdirSync(`${dir}dev`).filter((f) => f.endsWith('.eml')).sort();
    expect(files.length).toBeGreaterThan(500);

    const rows: Row[] = [];
    const notOk: string[] = [];
    const started = performance.now();
    for (const file of files) {
      const t0 = performance.now();
      const result = await parseMessage(readFileSync(`${dir}dev/${file}`), limits);
      const category = categories.get(file) ?? '?';
      if (!result.ok) {
        notOk.push(`${file} [${category}]: ${result.reason}`);
        rows.push({ file, category, kind: 'not-ok', reasons: [result.reason], ms: performance.now() - t0 });
        continue;
      }
      const cls = classify(result.message, emptyContext);
      rows.push({ file, category, kind: cls.kind, reasons: cls.reasons, ms: performance.now() - t0 });
    }
    const seconds = (performance.now() - started) / 1000;

    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.kind, (counts.get(row.kind) ?? 0) + 1);
    const wrong = rows.filter((r) => NEVER_A_COMPLAINT.has(r.category) && (r.kind === 'complaint' || r.kind === 'not-ok'));
    console.log(
      [
        `corpus: ${rows.length} messages in ${seconds.toFixed(1)} s`,
        `per class: ${[...counts].sort().map(([k, n]) => `${k}=${n}`).join(', ')}`,
        `slowest: ${[...rows].sort((a, b) => b.ms - a.ms).slice(0, 3).map((r) => `${r.file} ${r.ms.toFixed(0)} ms`).join(', ')}`,
        `not ok (${notOk.length}):`,
        ...notOk.map((line) => `  ${line}`),
        `bounce/auto-reply/mdn classified as complaint or unparsed (${wrong.length}):`,
        ...wrong.map((r) => `  ${r.file} [${r.category}] -> ${r.kind}`),
      ].join('\n'),
    );

    expect(rows).toHaveLength(files.length);
    expect(wrong).toEqual([]);
    expect(seconds).toBeLessThan(30);
  }, 60_000);
});
