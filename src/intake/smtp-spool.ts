import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Receives one SMTP DATA stream. Up to `thresholdBytes` stay in memory; past that the
 * message goes to a file under `dir`, so many large sessions at once hold disk, not memory.
 * Bytes past `hardMaxBytes` are not kept (the caller refuses the message).
 */
export interface Spooled {
  size: number;
  /** The whole message; for a spooled one this reads the file. */
  read(): Promise<Buffer>;
  discard(): Promise<void>;
}

export async function spoolMessage(stream: Readable, opts: { dir: string; thresholdBytes: number; hardMaxBytes: number }): Promise<Spooled> {
  const chunks: Buffer[] = [];
  let size = 0;
  let file: { path: string; out: fs.WriteStream } | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (size + chunk.length > opts.hardMaxBytes) {
      size += chunk.length;
      continue;
    }
    size += chunk.length;
    if (!file && size > opts.thresholdBytes) {
      await fsp.mkdir(opts.dir, { recursive: true, mode: 0o700 });
      const p = path.join(opts.dir, `${randomBytes(12).toString('hex')}.eml`);
      file = { path: p, out: fs.createWriteStream(p, { flags: 'wx', mode: 0o600 }) };
      for (const c of chunks) await write(file.out, c);
      chunks.length = 0;
    }
    if (file) await write(file.out, chunk);
    else chunks.push(chunk);
  }
  if (!file) {
    const raw = Buffer.concat(chunks);
    return { size, read: async () => raw, discard: async () => {} };
  }
  const spooled = file;
  await new Promise<void>((resolve, reject) => spooled.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { size, read: () => fsp.readFile(spooled.path), discard: () => fsp.rm(spooled.path, { force: true }) };
}

function write(out: fs.WriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(chunk)) return resolve();
    const done = (err?: Error) => {
      out.off('drain', done);
      out.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });
}

/** At most `n` holders at once; the rest wait their turn. */
export function semaphore(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let free = n;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (free > 0) free -= 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}
