import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { listOutbound } from '../../src/outbound/outbox-admin-repo.ts';
import { retryOutbound, type OutboxAdminDeps } from '../../src/jobs/outbox-admin.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { messageIdOf, startE2E, type E2E } from '../helpers/e2e.ts';
import { BIN, cliRunner } from '../helpers/cli.ts';
import { caseRow, historyEvents, sentTo } from '../helpers/e2e-cases.ts';
import { testConfig } from '../helpers/test-config.ts';

const run = promisify(execFile);
const RITA = 'rita@telco.test';
const COMPLAINT = 'I was charged twice for my August bill and nobody has refunded the second payment. Please refund it.';

/**
 * Dead letters and their retry (`redress outbox`): a relay that answers 550 makes a dead
 * letter; once it accepts again, a retry sends the message once, recorded on the case.
 * Through Postgres, the complaints mailbox and the SMTP sink.
 */
describe('outbox: dead letters and retry', () => {
  let e: E2E;
  let refused: Set<string>;
  let dir: string | undefined;
  afterEach(async () => {
    await e?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const start = async (refuse: string[]) => {
    refused = new Set(refuse);
    e = await startE2E({}, undefined, { reject: (rcpt) => (refused.has(rcpt) ? { code: 550, message: '5.1.1 No such user' } : undefined) });
    await addStaff(e.db.sql, RITA, 'rep');
  };
  const deps = (): OutboxAdminDeps => ({ sql: e.app.db.sql, boss: e.app.boss, clock: e.app.clock, log: e.app.log });

  it('a 550 makes a dead letter; retried once the relay accepts, it is sent once and the case history says so', async () => {
    await start(['gone@example.com']);
    await e.email({ from: 'Gone <gone@example.com>', subject: 'Double charge', body: COMPLAINT });
    expect((await e.runDue()).failed).toBe(1);
    const [kase] = await e.db.sql<{ reference: string }[]>`select reference from cases`;
    const reference = kase!.reference;
    const dead = await listOutbound(e.db.sql, { status: 'dead' });
    expect(dead.map((m) => ({ case: m.case, kind: m.kind, status: m.status, dead: m.dead, attempts: m.attempts, to: m.to }))).toEqual([
      { case: reference, kind: 'ack', status: 'failed', dead: true, attempts: 1, to: ['gone@example.com'] },
    ]);
    const ack = dead[0]!;
    const [letter] = await e.db.sql<{ id: bigint }[]>`select id from dead_letters where outbound_message_id = ${ack.id}`;

    refused.clear(); // the address was fixed at the far end
    e.at('2026-09-01T10:30:00Z');
    const retried = await retryOutbound(deps(), ack.id);
    expect(retried).toEqual({ id: ack.id, case: reference, kind: 'ack', status: 'queued', result: 'requeued', job_id: expect.any(String), dead_letters: [letter!.id] });
    // A second retry finds it queued: it says so and queues nothing more.
    expect(await retryOutbound(deps(), ack.id)).toEqual({
      id: ack.id, case: reference, kind: 'ack', status: 'queued', result: 'unchanged', reason: 'it is queued, not dead: only a message that failed for good is retried',
    });
    const jobs = await e.db.sql`select id::text from pgboss.job where name = 'send-email' and data ->> 'outboundId' = ${String(ack.id)} and state = 'created'`;
    expect(jobs.map((j) => j.id)).toEqual([retried.job_id]);

    expect((await e.runDue()).sent).toBe(1);
    await e.runDue();
    const delivered = sentTo(e, 'gone@example.com', 'ack');
    expect(delivered).toHaveLength(1);
    expect(messageIdOf(delivered[0]!)).toBe(ack.message_id);
    expect((await e.db.sql`select status, attempts, job_id from outbound_messages where id = ${ack.id}`)[0]).toEqual({ status: 'sent', attempts: 2, job_id: retried.job_id });
    expect((await e.db.sql`select retried_at, retry_job_id from dead_letters where id = ${letter!.id}`)[0]).toEqual({ retried_at: new Date('2026-09-01T10:30:00Z'), retry_job_id: retried.job_id });
    expect(await listOutbound(e.db.sql, { status: 'dead' })).toEqual([]);

    const events = await historyEvents(e, reference);
    const names = events.map((h) => h.event);
    expect(names.indexOf('outbound.failed')).toBeLessThan(names.indexOf('outbound.retried'));
    expect(events.find((h) => h.event === 'outbound.retried')).toEqual({
      event: 'outbound.retried',
      actor: 'operator (cli)',
      data: { kind: 'ack', job_id: retried.job_id, dead_letters: [String(letter!.id)], previous_error: expect.stringContaining('550 5.1.1 No such user') },
    });
    expect((await caseRow(e, reference)).acknowledged_at).toEqual(new Date('2026-09-01T10:30:00Z')); // R1 met by the retried send
    expect(await retryOutbound(deps(), ack.id)).toMatchObject({ result: 'unchanged', status: 'sent', reason: 'it is sent, not dead: only a message that failed for good is retried' });
  });

  it('the CLI lists dead letters, shows one, retries --all-dead once (cases and staff mail alike), and a second run finds none', async () => {
    await start(['gone@example.com', RITA]);
    await e.email({ from: 'Gone <gone@example.com>', subject: 'Double charge', body: COMPLAINT });
    await e.runDue();
    const [kase] = await e.db.sql<{ reference: string }[]>`select reference from cases`;
    const reference = kase!.reference;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-outbox-'));
    const env = { PATH: testConfig.path, DATABASE_URL: e.db.url, SMTP_URL: e.sink.url, REDRESS_DATA_DIR: dir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS: 'complaints@redress.test', REDRESS_NOW: '2026-09-01T11:00:00Z' };
    const cli = cliRunner(() => env);
    const redress = (...args: string[]) => cli(args);

    // The acknowledgement, the day's digest and the alert about the acknowledgement all failed for good.
    const dead = JSON.parse((await redress('outbox', 'list', '--status', 'dead', '--json')).stdout) as { id: number; case: string | null; kind: string; status: string }[];
    expect(dead.map((m) => [m.kind, m.case, m.status])).toEqual([
      ['ack', reference, 'failed'],
      ['staff_digest', null, 'failed'],
      ['staff_alert', reference, 'failed'],
    ]);
    const ackId = dead[0]!.id;
    const forCase = JSON.parse((await redress('outbox', 'list', '--case', reference, '--json')).stdout) as { kind: string }[];
    expect(forCase.map((m) => m.kind)).toEqual(['ack', 'staff_alert']);
    expect((await redress('outbox', 'list', '--status', 'lost')).stderr).toBe('redress: --status must be one of queued, sent, failed, dead, bounced, suppressed, got "lost"\n');

    const show = JSON.parse((await redress('outbox', 'show', String(ackId), '--json')).stdout);
    expect(show).toMatchObject({ id: ackId, case: reference, kind: 'ack', status: 'failed', dead: true, attempts: 1, to: ['gone@example.com'], audience: 'customer' });
    expect(show.last_error).toContain('550 5.1.1 No such user');
    expect(show.headers).toEqual(expect.arrayContaining([{ name: 'To', value: 'gone@example.com' }, { name: 'X-Redress-Kind', value: 'ack' }]));
    expect(show.dead_letters).toEqual([expect.objectContaining({ queue: 'send-email', retried_at: null, error: expect.stringContaining('550') })]);
    const text = (await redress('outbox', 'show', String(ackId))).stdout;
    expect(text.split('\n')[0]).toBe(`#${ackId}  ack  failed  DEAD LETTER: retry with \`redress outbox retry ${ackId}\``);
    // Not sent yet: --raw prints the bytes its send composes, which the relay gets on the retry below.
    const raw = await run('node', [BIN, 'outbox', 'show', String(ackId), '--raw'], { env, encoding: 'buffer' });
    expect(raw.stdout.toString('latin1')).toMatch(/^Message-ID: <redress\.[0-9a-f]{24}@/m);

    refused.clear();
    const first = JSON.parse((await redress('outbox', 'retry', '--all-dead', '--json')).stdout) as { id: number; result: string; status: string }[];
    expect(first.map((a) => [a.id, a.result, a.status])).toEqual(dead.map((m) => [m.id, 'requeued', 'queued']));
    expect(JSON.parse((await redress('outbox', 'retry', '--all-dead', '--json')).stdout)).toEqual([]);
    expect((await redress('outbox', 'retry', '--all-dead')).stdout).toBe('no dead letters to retry\n');
    expect((await redress('outbox', 'retry', String(ackId))).stdout).toBe(`#${ackId} ack (${reference}): not retried, it is queued, not dead: only a message that failed for good is retried; nothing changed\n`);

    const due = JSON.parse((await redress('run-due', '--json')).stdout);
    expect(due).toMatchObject({ sent: 3, failed: 0 });
    expect(sentTo(e, 'gone@example.com', 'ack').map((m) => Buffer.compare(m.raw, raw.stdout))).toEqual([0]);
    const [stored] = await e.db.sql<{ raw: Buffer; content: unknown }[]>`select raw, content from outbound_messages where id = ${ackId}`;
    expect(stored).toEqual({ raw: raw.stdout, content: null });
    expect(sentTo(e, RITA, 'staff_digest')).toHaveLength(1);
    expect(sentTo(e, RITA, 'staff_alert')).toHaveLength(1);
    expect(JSON.parse((await redress('outbox', 'list', '--status', 'dead', '--json')).stdout)).toEqual([]);
    // Only the case's messages are on its history; the digest's retry is on its dead letter.
    expect((await historyEvents(e, reference)).filter((h) => h.event === 'outbound.retried').map((h) => h.data.kind)).toEqual(['ack', 'staff_alert']);
    const letters = await e.db.sql`select count(*)::int as n from dead_letters where retried_at is not null`;
    expect(letters[0]!.n).toBe(3);
  });

  it('retry of an unknown message exits 3; retry with neither an id nor --all-dead says what to give', async () => {
    await start([]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-outbox-'));
    const env = { PATH: testConfig.path, DATABASE_URL: e.db.url, REDRESS_DATA_DIR: dir, LOG_LEVEL: 'silent' };
    const redress = cliRunner(() => env);
    expect(await redress(['outbox', 'retry', '999999'])).toEqual({ code: 3, stdout: '', stderr: 'redress: no outbound message 999999; list them with `redress outbox list`\n' });
    expect(await redress(['outbox', 'retry'])).toEqual({ code: 1, stdout: '', stderr: 'redress: give one message id, or --all-dead\n' });
  });
});
