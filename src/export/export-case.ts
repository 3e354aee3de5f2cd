import fs from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { toJson } from '../output.ts';
import type { Sql } from '../db/pool.ts';
import { errorMessage, RedressError } from '../errors.ts';
import { attachmentContents } from '../intake/attachment-content.ts';
import { buildCaseFile, type CaseFileEntry } from './case-file.ts';
import { timelineHtml } from './case-file-html.ts';
import { loadCaseRecord, type CaseRecord } from './case-file-repo.ts';

/** Where the case file goes: a new (or empty) folder, or a new zip file. */
export type ExportTarget = { out: string } | { zip: string };

/** The JSON `redress case REF export --json` prints: a public interface, add fields, never rename. */
export interface ExportReport {
  reference: string;
  out: string | null;
  zip: string | null;
  messages: number;
  /** Messages whose raw copy was purged: listed in the timeline, no .eml. */
  purged_messages: number;
  attachments: number;
  events: number;
  deadlines: number;
}

/**
 * `redress case REF export --out DIR | --zip FILE`: the case file the Ombudsman asks for when a
 * customer takes a complaint to the ADR scheme. Read in one snapshot; nothing is changed.
 */
export async function exportCase(deps: { sql: Sql; organisation: string }, reference: string, target: ExportTarget, now: Date): Promise<ExportReport> {
  const record = await deps.sql.begin('isolation level repeatable read read only', (tx) => loadCaseRecord(tx, reference));
  if (!record) throw new RedressError('not_found', `no case ${reference}`);
  const { entries, timeline } = buildCaseFile(await withAttachmentBytes(record), now, deps.organisation);
  const files: CaseFileEntry[] = [
    ...entries,
    { path: 'timeline.json', content: Buffer.from(`${toJson(timeline)}\n`, 'utf8') },
    { path: 'timeline.html', content: Buffer.from(timelineHtml(timeline), 'utf8') },
  ];
  if ('out' in target) await writeFolder(target.out, files);
  else await writeZip(target.zip, files, now);
  return {
    reference: record.kase.reference,
    out: 'out' in target ? target.out : null,
    zip: 'zip' in target ? target.zip : null,
    messages: timeline.messages.length,
    purged_messages: timeline.messages.filter((m) => m.purged).length,
    attachments: timeline.messages.reduce((n, m) => n + m.attachments.filter((a) => !a.purged).length, 0),
    events: timeline.events.length,
    deadlines: timeline.deadlines.length,
  };
}

/** Attachments stored as references get their bytes from their raw message, one pass a message; those of a purged message stay without. */
async function withAttachmentBytes(record: CaseRecord): Promise<CaseRecord> {
  const bytes = new Map<bigint, Buffer>();
  for (const m of record.inbound) {
    const referenced = record.attachments.filter((a) => a.inbound_message_id === m.id && a.content === null && a.part_id);
    if (!m.raw || referenced.length === 0) continue;
    const contents = await attachmentContents(m.raw, referenced.map((a) => ({ partId: a.part_id!, sha256: a.sha256 })));
    referenced.forEach((a, i) => bytes.set(a.id, contents[i]!));
  }
  return { ...record, attachments: record.attachments.map((a) => ({ ...a, content: a.content ?? bytes.get(a.id) ?? null })) };
}

/** A case file never mixes with other files: the folder must be new or empty. */
async function writeFolder(dir: string, files: CaseFileEntry[]): Promise<void> {
  const existing = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new RedressError('invalid_input', `cannot use ${dir}: ${errorMessage(err)}`, { cause: err });
  });
  if (existing.length > 0) throw new RedressError('refused', `${dir} is not empty; give a new or empty folder`);
  for (const f of files) {
    const file = path.join(dir, f.path);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, f.content, { flag: 'wx' });
  }
}

async function writeZip(file: string, files: CaseFileEntry[], now: Date): Promise<void> {
  const zip = new ZipFile();
  for (const f of files) zip.addBuffer(f.content, f.path, { mtime: now });
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(file, { flags: 'wx' }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RedressError('refused', `${file} exists already; give a new file name`);
    await fs.rm(file, { force: true }); // no half-written case file left behind
    throw new RedressError('invalid_input', `cannot write ${file}: ${errorMessage(err)}`, { cause: err });
  }
}
