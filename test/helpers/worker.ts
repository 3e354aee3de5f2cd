import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import type { App } from '../../src/app.ts';
import { rawMail } from './e2e.ts';
import type { SinkMessage } from './smtp-sink.ts';
import { testConfig } from './test-config.ts';
import { waitUntil } from './wait.ts';

const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() at exit. */
  at: number;
}

/** `node bin/redress.mjs start` as a child process: the real worker, logs captured. */
export interface WorkerProcess {
  logs(): string;
  running(): boolean;
  exited: Promise<Exit>;
  kill(signal: NodeJS.Signals): void;
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
}

/** Starts the worker and waits until it says it has started. */
export async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn('node', [BIN, 'start'], {
    env: { PATH: testConfig.path, LOG_LEVEL: 'info', COMPLAINTS_ADDRESS: 'complaints@redress.test', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  const worker: WorkerProcess = {
    logs: () => logs,
    running: () => child.exitCode === null && child.signalCode === null,
    exited,
    kill: (signal) => child.kill(signal),
    waitForLog: (text, timeoutMs = 30_000) => waitUntil(`the worker to log "${text}"`, timeoutMs, async () => logs.includes(text) || !worker.running(), 50).then(() => {
      if (!logs.includes(text)) throw new Error(`the worker exited before logging "${text}":\n${logs.slice(-3000)}`);
    }),
  };
  await worker.waitForLog('worker started');
  return worker;
}

/** A one-shot `redress` command (e.g. run-due), its exit code and output. */
export async function runRedress(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], { env: { PATH: testConfig.path, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Complaints stored straight through the intake (no worker needed): their acknowledgements wait in the send queue. */
export async function queueComplaints(app: App, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = `${tag}-${i}@customer.test`;
    const raw = rawMail({ from: `Customer ${i} <${tag}-${i}@customer.test>`, subject: `Complaint ${i}`, body: 'My broadband has dropped out every evening for two weeks and the engineer never came.' }, id, app.clock.now());
    await app.process({ raw: Buffer.from(raw), receivedAt: app.clock.now(), source: 'file', sourceRef: id });
    ids.push(id);
  }
  return ids;
}

/** A complaint handed to the worker's SMTP intake, as an MTA would; resolves to the reply code. */
export async function mailToIntake(port: number, id: string): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const raw = rawMail({ from: `${id.split('@')[0]} <${id}>`, subject: 'Mobile data not working', body: 'Since the update last week my mobile data has not worked anywhere in town.' }, id, new Date());
  try {
    const info = await transport.sendMail({ envelope: { from: id, to: ['complaints@redress.test'] }, raw });
    return Number(info.response.slice(0, 3));
  } catch (err) {
    return (err as { responseCode?: number }).responseCode ?? 0;
  } finally {
    transport.close();
  }
}

/** The acknowledgements a sink received, by the complaint they answer (In-Reply-To). */
export function acksByComplaint(messages: SinkMessage[]): Map<string, SinkMessage[]> {
  const byComplaint = new Map<string, SinkMessage[]>();
  for (const m of messages) {
    const inReplyTo = (m.parsed.inReplyTo ?? '').replace(/^<|>$/g, '');
    byComplaint.set(inReplyTo, [...(byComplaint.get(inReplyTo) ?? []), m]);
  }
  return byComplaint;
}
