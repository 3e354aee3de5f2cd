import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';
import { freePort } from '../helpers/ports.ts';
import { testConfig } from '../helpers/test-config.ts';
import { waitUntil } from '../helpers/wait.ts';

const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));

describe('redress start', () => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDb();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-start-'));
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('takes a complaint over SMTP, sends the acknowledgement, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn('node', [BIN, 'start'], {
      env: { PATH: testConfig.path, DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, SMTP_LISTEN: `127.0.0.1:${port}`, LOG_LEVEL: 'info', COMPLAINTS_ADDRESS: 'complaints@redress.test' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let logs = '';
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUntil('the worker to listen', 30_000, async () => logs.includes('worker started'), 100);
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      const info = await transport.sendMail({
        envelope: { from: 'kim@example.com', to: ['complaints@redress.test'] },
        raw: rawMail({ from: 'kim@example.com', subject: 'Mobile data not working', body: 'Since the update last week my mobile data has not worked anywhere in town.' }, 'start-1@example.com', new Date('2026-11-02T10:00:00Z')),
      });
      expect(info.response).toMatch(/^250/);
      const outbox = () => fs.readdir(path.join(dir, 'outbox')).catch(() => [] as string[]);
      await waitUntil('the acknowledgement in the outbox', 30_000, async () => (await outbox()).length > 0, 100);
      expect(await outbox()).toHaveLength(1);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(logs).toContain('worker stopped');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
