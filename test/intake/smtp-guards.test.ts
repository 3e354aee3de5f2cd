import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { connectionRate } from '../../src/intake/connection-rate.ts';
import { semaphore, spoolMessage } from '../../src/intake/smtp-spool.ts';

describe('connectionRate: connections per address per minute', () => {
  it('admits up to the limit in any window, per address, and again once the window has passed', () => {
    const rate = connectionRate(2, 60_000);
    expect([rate.admit('a', 0), rate.admit('a', 1), rate.admit('a', 2), rate.admit('b', 3)]).toEqual([true, true, false, true]);
    expect(rate.admit('a', 59_999)).toBe(false);
    expect(rate.admit('a', 60_001)).toBe(true);
  });
});

describe('spoolMessage: large bodies go to disk while they arrive', () => {
  const stream = (size: number, chunk = 16_384) => Readable.from(Array.from({ length: Math.ceil(size / chunk) }, (_, i) => Buffer.alloc(Math.min(chunk, size - i * chunk), i % 251)));

  it('keeps a message under the threshold in memory and writes no file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-spool-'));
    const spooled = await spoolMessage(stream(10_000), { dir, thresholdBytes: 65_536, hardMaxBytes: 1_000_000 });
    expect(spooled.size).toBe(10_000);
    expect((await spooled.read()).length).toBe(10_000);
    expect(await fs.readdir(dir)).toEqual([]);
    await fs.rm(dir, { recursive: true });
  });

  it('writes a message past the threshold to one file, reads it back whole, and removes it on discard', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-spool-'));
    const expected = Buffer.concat(await stream(300_000).toArray());
    const spooled = await spoolMessage(stream(300_000), { dir, thresholdBytes: 65_536, hardMaxBytes: 1_000_000 });
    expect(await fs.readdir(dir)).toHaveLength(1);
    expect((await spooled.read()).equals(expected)).toBe(true);
    await spooled.discard();
    expect(await fs.readdir(dir)).toEqual([]);
    await fs.rm(dir, { recursive: true });
  });

  it('keeps nothing past the hard maximum but still counts the size', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-spool-'));
    const spooled = await spoolMessage(stream(200_000), { dir, thresholdBytes: 1_000_000, hardMaxBytes: 50_000 });
    expect(spooled.size).toBe(200_000);
    expect((await spooled.read()).length).toBeLessThanOrEqual(50_000);
    await fs.rm(dir, { recursive: true });
  });
});

describe('semaphore', () => {
  it('lets at most n run at once', async () => {
    const one = semaphore(1);
    let running = 0;
    let most = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        one(async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((r) => setImmediate(r));
          running -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
