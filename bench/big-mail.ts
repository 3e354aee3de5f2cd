import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPool } from '../src/db/pool.ts';
import type { Logger } from '../src/log.ts';
import type { Dovecot } from '../test/helpers/dovecot.ts';
import type { BenchConfig } from './config.ts';
import { COMPLAINTS_ADDRESS, complaintRaw, makeComplaint } from './corpus.ts';
import { freshDatabase, tempDir, type Cleanup, type PgServer } from './infra.ts';
import { createRng } from './random.ts';
import { heading, line, mib, progress, round, since, table } from './report.ts';

export interface BigMailContext {
  cfg: BenchConfig;
  cleanup: Cleanup;
  server: PgServer;
  dovecot: Dovecot;
  log: Logger;
}

/** One `redress ingest` child taking one message into a fresh database. */
export interface IngestRun {
  peakRssMiB: number;
  /** pg_database_size after minus before. */
  databaseGrowthMiB: number;
  /** inbound_messages and attachments with their TOAST and indexes, after minus before. */
  tablesGrowthMiB: number;
  seconds: number;
}

export interface PathFigures {
  small: IngestRun;
  big: IngestRun;
  /** IMAP only: peak RSS of a child doing nothing but imapflow's FETCH of the same message, small and big, and the difference. */
  fetchOnly?: { smallMiB: number; bigMiB: number; extraMiB: number };
  /** Peak RSS for the big message minus that for the small one, and that over the big message's size. */
  extraRssMiB: number;
  extraRssPerMessageSize: number;
  /** Database growth for the big message over its size (1 = stored once). */
  growthPerMessageSize: number;
}

export interface BigMailFigures {
  messageBytes: { small: number; big: number };
  attachmentBytes: number;
  file: PathFigures;
  imap: PathFigures;
  verify: { ok: boolean; problems: string[] };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = new URL('./peak-rss.mjs', import.meta.url).href;

/**
 * Part 5: what one big message costs. A complaint with an attachment of BENCH_BIG_ATTACHMENT_MIB
 * (18 MiB makes a 25.8 MB message, just under MAX_MESSAGE_BYTES) and the same small complaint
 * without it are each taken by a `redress ingest` child into a fresh database, once as a file and
 * once through Dovecot (`ingest --once`); the child's own peak RSS and the database's growth are
 * compared. Target (issue 9): the big message costs at most twice its size in extra RSS.
 */
export async function runBigMailBench(ctx: BigMailContext): Promise<BigMailFigures> {
  const { cfg } = ctx;
  heading(`5. One big message: a complaint with a ${cfg.BENCH_BIG_ATTACHMENT_MIB} MiB attachment against a small one`);
  const dir = await tempDir(ctx.cleanup, 'redress-bench-bigmail-');
  const attachment = pseudoRandomBytes(cfg.BENCH_SEED, cfg.BENCH_BIG_ATTACHMENT_MIB * 1024 * 1024);
  const mail = buildMessages(cfg.BENCH_SEED, attachment);
  const files = { small: path.join(dir, 'small.eml'), big: path.join(dir, 'big.eml') };
  await fs.writeFile(files.small, mail.small);
  await fs.writeFile(files.big, mail.big);
  progress(`messages: small ${mail.small.length} bytes, big ${mail.big.length} bytes (attachment ${attachment.length} bytes)`);
  const expected = { sha256: createHash('sha256').update(attachment).digest('hex'), size: attachment.length };
  const problems: string[] = [];

  const runPath = async (kind: 'file' | 'imap'): Promise<PathFigures> => {
    const runs: Partial<Record<'small' | 'big', IngestRun>> = {};
    for (const which of ['small', 'big'] as const) {
      const user = `bench-bigmail-${kind}-${which}-${cfg.BENCH_SEED}`;
      if (kind === 'imap') await ctx.dovecot.append(user, mail[which], { internalDate: new Date(Date.now() - 60_000) });
      const args = kind === 'file' ? ['ingest', files[which]] : ['ingest', '--once'];
      const env: Record<string, string> = kind === 'imap' ? { IMAP_URL: ctx.dovecot.url(user), AUTHSERV_ID: 'mx.redress.test' } : {};
      runs[which] = await ingestInChild(ctx, dir, `bigmail_${kind}_${which}`, args, env, which === 'big' ? expected : undefined, problems);
      progress(`${kind} ${which}: peak RSS ${runs[which].peakRssMiB} MiB, database +${runs[which].databaseGrowthMiB} MiB in ${runs[which].seconds} s`);
    }
    const { small, big } = runs as Record<'small' | 'big', IngestRun>;
    const extraRssMiB = round(big.peakRssMiB - small.peakRssMiB, 1);
    const sizeMiB = mail.big.length / 1024 / 1024;
    const fetchOnly = kind === 'imap' ? await imapFetchOnly(ctx, mail) : undefined;
    return { small, big, extraRssMiB, extraRssPerMessageSize: round(extraRssMiB / sizeMiB, 2), growthPerMessageSize: round(big.databaseGrowthMiB / sizeMiB, 2), ...(fetchOnly ? { fetchOnly } : {}) };
  };
  const file = await runPath('file');
  const imap = await runPath('imap');

  table(
    (['file', 'imap'] as const).map((k) => {
      const p = k === 'file' ? file : imap;
      return { path: k, 'small RSS MiB': p.small.peakRssMiB, 'big RSS MiB': p.big.peakRssMiB, 'extra MiB': p.extraRssMiB, 'extra / size': p.extraRssPerMessageSize, 'db growth MiB': p.big.databaseGrowthMiB, 'tables MiB': p.big.tablesGrowthMiB, 'growth / size': p.growthPerMessageSize };
    }),
  );
  if (imap.fetchOnly) line('imapflow FETCH alone: extra peak RSS', `${imap.fetchOnly.extraMiB} MiB (${imap.fetchOnly.smallMiB} -> ${imap.fetchOnly.bigMiB} MiB)`);
  line('target', 'extra peak RSS at most 2x the message size');
  return { messageBytes: { small: mail.small.length, big: mail.big.length }, attachmentBytes: attachment.length, file, imap, verify: { ok: problems.length === 0, problems } };
}

/** What imapflow's FETCH of each message costs by itself, in a child doing nothing else: the floor under the IMAP path. */
async function imapFetchOnly(ctx: BigMailContext, mail: { small: Buffer; big: Buffer }): Promise<NonNullable<PathFigures['fetchOnly']>> {
  const peak: Partial<Record<'small' | 'big', number>> = {};
  for (const which of ['small', 'big'] as const) {
    const user = `bench-bigmail-fetch-${which}-${ctx.cfg.BENCH_SEED}`;
    await ctx.dovecot.append(user, mail[which]);
    peak[which] = mib(await runChild(['--import', 'tsx', 'bench/imap-fetch-child.ts', ctx.dovecot.url(user)], {}));
  }
  progress(`imapflow FETCH alone: peak RSS ${peak.small} MiB small, ${peak.big} MiB big`);
  return { smallMiB: peak.small!, bigMiB: peak.big!, extraMiB: round(peak.big! - peak.small!, 1) };
}

const SIZE_SQL = `select pg_database_size(current_database())::bigint as db,
  (pg_total_relation_size('inbound_messages') + pg_total_relation_size('attachments'))::bigint as tables`;

async function ingestInChild(
  ctx: BigMailContext,
  dir: string,
  purpose: string,
  args: string[],
  env: Record<string, string>,
  expected: { sha256: string; size: number } | undefined,
  problems: string[],
): Promise<IngestRun> {
  const db = await freshDatabase(ctx.cleanup, ctx.server, purpose, ctx.log);
  const sql = createPool(db.url, ctx.log, 1);
  try {
    const [before] = await sql.unsafe<{ db: bigint; tables: bigint }[]>(SIZE_SQL);
    const t0 = performance.now();
    const peak = await runChild(['bin/redress.mjs', ...args], { DATABASE_URL: db.url, REDRESS_DATA_DIR: path.join(dir, purpose), LOG_LEVEL: 'warn', COMPLAINTS_ADDRESS, ...env });
    const seconds = round(since(t0) / 1000, 2);
    const [after] = await sql.unsafe<{ db: bigint; tables: bigint }[]>(SIZE_SQL);
    await check(sql, purpose, expected, problems);
    return { peakRssMiB: mib(peak), databaseGrowthMiB: mib(Number(after!.db - before!.db)), tablesGrowthMiB: mib(Number(after!.tables - before!.tables)), seconds };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** One message stored as a complaint, and the big one's attachment recorded with the bytes' digest and size. */
async function check(sql: ReturnType<typeof createPool>, purpose: string, expected: { sha256: string; size: number } | undefined, problems: string[]) {
  const inbound = await sql<{ kind: string }[]>`select kind from inbound_messages`;
  if (inbound.length !== 1 || inbound[0]!.kind !== 'complaint') problems.push(`${purpose}: expected one complaint stored, found ${JSON.stringify(inbound.map((r) => r.kind))}`);
  if (!expected) return;
  const atts = await sql<{ sha256: string; size_bytes: number }[]>`select sha256, size_bytes from attachments`;
  if (atts.length !== 1 || atts[0]!.sha256 !== expected.sha256 || atts[0]!.size_bytes !== expected.size) problems.push(`${purpose}: the attachment was not recorded as sent (${JSON.stringify(atts)})`);
}

/** Runs `node ARGS` (from the repository's root) in its own process; resolves to its peak RSS in bytes. */
function runChild(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' };
    const child = spawn(process.execPath, ['--import', PROBE, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const rss: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => rss.push(b));
    child.once('error', reject);
    child.once('close', (code) => {
      const peak = Number(Buffer.concat(rss).toString().trim());
      if (code !== 0 || !Number.isFinite(peak) || peak <= 0) {
        reject(new Error(`node ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().slice(-2000)}${Buffer.concat(out).toString().slice(-500)}`));
      } else resolve(peak);
    });
  });
}

/** Incompressible but repeatable bytes (AES-CTR keystream from the seed), as a real PDF or photo would be. */
function pseudoRandomBytes(seed: number, size: number): Buffer {
  const key = createHash('sha256').update(`big-mail:${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** The same complaint twice: plain, and as multipart/mixed with the attachment in base64 lines of 76. */
function buildMessages(seed: number, attachment: Buffer): { small: Buffer; big: Buffer } {
  const rng = createRng(seed);
  const date = new Date(Date.now() - 3_600_000);
  const complaint = makeComplaint(rng, 1, date);
  const small = complaintRaw({ ...complaint, html: false });
  const big = complaintRaw({ ...complaint, html: false, messageId: `big.${complaint.messageId}` });
  const split = big.indexOf('\r\n\r\n');
  const head = big
    .subarray(0, split)
    .toString('utf8')
    .split('\r\n')
    .filter((l) => !/^content-(type|transfer-encoding):/i.test(l));
  const boundary = `=_mixed_${seed}`;
  const base64 = attachment.toString('base64').replace(/.{76}/g, '$&\r\n');
  const text = big.subarray(split + 4).toString('utf8');
  const body = [
    ...head,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    text,
    `--${boundary}`,
    'Content-Type: application/pdf; name="statement.pdf"',
    'Content-Disposition: attachment; filename="statement.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    base64,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { small, big: Buffer.from(body, 'utf8') };
}
