import { existsSync, readFileSync } from 'node:fs';
import { parseMessage } from '../../src/intake/parse.ts';
import type { ParsedMessage, ParseResult } from '../../src/intake/types.ts';
import { testConfig } from './test-config.ts';

export const parseLimits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };

/** A TSV fixture under test/fixtures/ as rows keyed by its header line. */
export function readTsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8').trimEnd().split('\n');
  const columns = (head ?? '').split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((value, i) => [columns[i] ?? `column${i}`, value])));
}

export function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** The dev corpus folder (holding INDEX.tsv and dev/), with a trailing slash. */
export function corpusDir(): string {
  const dir = testConfig.corpusDir.endsWith('/') ? testConfig.corpusDir : `${testConfig.corpusDir}/`;
  if (!existsSync(`${dir}INDEX.tsv`)) throw new Error(`corpus not found at ${dir}; set REDRESS_CORPUS_DIR to the folder holding INDEX.tsv and dev/`);
  return dir;
}

export function parseCorpusFile(file: string): Promise<ParseResult> {
  return parseMessage(readFileSync(`${corpusDir()}dev/${file}`), parseLimits);
}

export async function parseRaw(raw: string | Buffer): Promise<ParsedMessage> {
  const result = await parseMessage(Buffer.isBuffer(raw) ? raw : Buffer.from(raw), parseLimits);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}
