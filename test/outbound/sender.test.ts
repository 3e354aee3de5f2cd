import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedressError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { composeMessage } from '../../src/outbound/compose.ts';
import { smtpSettings } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createSender, type Sender } from '../../src/outbound/sender.ts';
import { freePort } from '../helpers/ports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';

const log = createLogger('silent');
const smtp = smtpSettings(loadConfig({}));

function compose(messageId: string, to = ['ann@example.com']): Promise<Buffer> {
  return composeMessage({
    from: { name: 'Redress Telecom', address: 'complaints@redress.example' },
    to,
    subject: `Test ${messageId}`,
    text: 'Hello\n',
    html: '<p>Hello</p>',
    messageId,
    date: new Date('2026-03-02T10:00:00Z'),
  });
}

async function sendFailure(sender: Sender, raw: Buffer, to: string[], messageId: string): Promise<RedressError> {
  const err = await sender.send(raw, { from: 'bounces@redress.example', to }, messageId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RedressError);
  return err as RedressError;
}

describe('SMTP sender', () => {
  let sink: SmtpSink;
  let sender: Sender;

  beforeAll(async () => {
    sink = await startSmtpSink({
      reject: (rcpt) => {
        if (rcpt.startsWith('busy@')) return { code: 451, message: 'mailbox busy, try later' };
        if (rcpt.startsWith('nobody@')) return { code: 550, message: 'no such user' };
        return undefined;
      },
    });
    sender = createSender({ smtpUrl: sink.url, outboxDir: '/nonexistent', log, smtp });
  });
  afterEach(() => sink.clear());
  afterAll(async () => {
    await sender.close();
    await sink.stop();
  });

  it('delivers the raw message with the envelope we gave, not the headers', async () => {
    const raw = await compose('redress.a1@redress.example');
    await sender.send(raw, { from: 'bounces@redress.example', to: ['ann@example.com', 'carol@example.org'] }, 'redress.a1@redress.example');
    await sink.waitFor(1, 5000);
    const [got] = sink.messages;
    expect(got?.envelope).toEqual({ from: 'bounces@redress.example', to: ['ann@example.com', 'carol@example.org'] });
    expect(got?.parsed.messageId).toBe('<redress.a1@redress.example>');
    expect(got?.parsed.subject).toBe('Test redress.a1@redress.example');
    expect(got?.raw.toString('latin1')).toContain('Message-ID: <redress.a1@redress.example>');
  });

  it('reuses pooled connections for several messages', async () => {
    for (const n of [1, 2, 3]) await sender.send(await compose(`redress.p${n}@redress.example`), { from: 'bounces@redress.example', to: ['ann@example.com'] }, `redress.p${n}@redress.example`);
    await sink.waitFor(3, 5000);
    expect(sink.messages.map((m) => m.parsed.messageId)).toEqual(['<redress.p1@redress.example>', '<redress.p2@redress.example>', '<redress.p3@redress.example>']);
  });

  it('a 451 from the server is a retryable send failure of that message, not of the relay', async () => {
    const err = await sendFailure(sender, await compose('redress.b1@redress.example', ['busy@example.com']), ['busy@example.com'], 'redress.b1@redress.example');
    expect(err.code).toBe('send_failed');
    expect(err.retryable).toBe(true);
    expect(err.context).toMatchObject({ messageId: 'redress.b1@redress.example', responseCode: 451, scope: 'message' });
    expect(String(err.context.response)).toContain('mailbox busy');
    expect(sink.messages).toHaveLength(0);
  });

  it('a 550 from the server is a permanent send failure', async () => {
    const err = await sendFailure(sender, await compose('redress.c1@redress.example', ['nobody@example.com']), ['nobody@example.com'], 'redress.c1@redress.example');
    expect(err.code).toBe('send_failed');
    expect(err.retryable).toBe(false);
    expect(err.context).toMatchObject({ responseCode: 550 });
    expect(String(err.context.response)).toContain('no such user');
  });

  it('when only some recipients are refused, the others still get the message', async () => {
    await sender.send(await compose('redress.d1@redress.example'), { from: 'bounces@redress.example', to: ['nobody@example.com', 'ann@example.com'] }, 'redress.d1@redress.example');
    await sink.waitFor(1, 5000);
    expect(sink.messages[0]?.envelope.to).toEqual(['ann@example.com']);
  });

  it('refuses an envelope that could smuggle in a recipient, without sending', async () => {
    const err = await sendFailure(sender, await compose('redress.e1@redress.example'), ['ann@example.com>\r\nRCPT TO:<victim@example.com'], 'redress.e1@redress.example');
    expect(err.retryable).toBe(false);
    expect(sink.messages).toHaveLength(0);
  });

  it('the sink reports how long it waited when a message does not arrive', async () => {
    await expect(sink.waitFor(1, 50)).rejects.toThrow(/waited 50 ms for 1 message\(s\), have 0/);
  });

  it('a server that cannot be reached is a retryable send failure', async () => {
    const unreachable = createSender({ smtpUrl: `smtp://127.0.0.1:${await freePort()}`, outboxDir: '/nonexistent', log, smtp });
    try {
      const err = await sendFailure(unreachable, await compose('redress.f1@redress.example'), ['ann@example.com'], 'redress.f1@redress.example');
      expect(err.retryable).toBe(true);
      expect(err.context.scope).toBe('relay');
      expect(['ECONNECTION', 'ESOCKET']).toContain(err.context.smtpCode);
      expect(err.context.responseCode).toBeUndefined();
    } finally {
      await unreachable.close();
    }
  });
});

describe('SMTP sender against a relay that misbehaves', () => {
  const quick = { maxConnections: 2, connectTimeoutMs: 1_000, greetingTimeoutMs: 500, socketTimeoutMs: 1_000 };

  /** Accepts TCP connections and says nothing (or what `greet` says), like a stalled relay. */
  async function silentRelay(greet?: string): Promise<{ port: number; stop(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      if (greet) s.end(greet);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    return {
      port,
      stop: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it('a relay that accepts the connection and then says nothing fails the send within the greeting timeout, as the relay\'s fault', async () => {
    const relay = await silentRelay();
    const stalled = createSender({ smtpUrl: `smtp://127.0.0.1:${relay.port}`, outboxDir: '/nonexistent', log, smtp: quick });
    try {
      const t0 = performance.now();
      const err = await sendFailure(stalled, await compose('redress.s1@redress.example'), ['ann@example.com'], 'redress.s1@redress.example');
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(err.retryable).toBe(true);
      expect(err.context).toMatchObject({ scope: 'relay', smtpCode: 'ETIMEDOUT' });
      await expect(stalled.probe()).rejects.toMatchObject({ retryable: true, context: { scope: 'relay' } });
    } finally {
      await stalled.close();
      await relay.stop();
    }
  });

  it('a 421 greeting (the relay is closing) is the relay\'s fault, not the message\'s', async () => {
    const relay = await silentRelay('421 too busy, come back later\r\n');
    const busy = createSender({ smtpUrl: `smtp://127.0.0.1:${relay.port}`, outboxDir: '/nonexistent', log, smtp: quick });
    try {
      const err = await sendFailure(busy, await compose('redress.s2@redress.example'), ['ann@example.com'], 'redress.s2@redress.example');
      expect(err.retryable).toBe(true);
      expect(err.context.scope).toBe('relay');
    } finally {
      await busy.close();
      await relay.stop();
    }
  });

  it('a cancelled send fails as aborted and retryable, and a relay that answers passes the probe', async () => {
    const sink = await startSmtpSink();
    const sender = createSender({ smtpUrl: sink.url, outboxDir: '/nonexistent', log, smtp: quick });
    try {
      await sender.probe();
      const abort = new AbortController();
      abort.abort();
      const err = await sender.send(await compose('redress.s3@redress.example'), { from: 'bounces@redress.example', to: ['ann@example.com'] }, 'redress.s3@redress.example', { signal: abort.signal }).catch((e: unknown) => e as RedressError);
      expect(err).toBeInstanceOf(RedressError);
      expect(err).toMatchObject({ retryable: true, context: { scope: 'aborted' } });
      expect(sink.messages).toHaveLength(0);
    } finally {
      await sender.close();
      await sink.stop();
    }
  });
});

describe('file outbox (no SMTP_URL)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-outbox-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes one <messageId>.eml per message, creating the directory', async () => {
    const outbox = path.join(dir, 'new', 'outbox');
    const sender = createSender({ outboxDir: outbox, log, smtp });
    const a = await compose('redress.aa@redress.example');
    const b = await compose('redress.bb@redress.example');
    await sender.send(a, { from: 'complaints@redress.example', to: ['ann@example.com'] }, 'redress.aa@redress.example');
    await sender.send(b, { from: 'complaints@redress.example', to: ['ann@example.com'] }, 'redress.bb@redress.example');
    expect((await fs.readdir(outbox)).sort()).toEqual(['redress.aa@redress.example.eml', 'redress.bb@redress.example.eml']);
    expect((await fs.readFile(path.join(outbox, 'redress.aa@redress.example.eml'))).equals(a)).toBe(true);
    await sender.close();
  });

  it('sending the same message id again leaves the first file alone', async () => {
    const outbox = path.join(dir, 'again');
    const sender = createSender({ outboxDir: outbox, log, smtp });
    const first = await compose('redress.same@redress.example');
    await sender.send(first, { from: 'complaints@redress.example', to: ['ann@example.com'] }, 'redress.same@redress.example');
    await Promise.all(
      [1, 2, 3].map(() => sender.send(Buffer.from('different bytes'), { from: 'complaints@redress.example', to: ['ann@example.com'] }, 'redress.same@redress.example')),
    );
    expect(await fs.readdir(outbox)).toEqual(['redress.same@redress.example.eml']);
    expect((await fs.readFile(path.join(outbox, 'redress.same@redress.example.eml'))).equals(first)).toBe(true);
  });

  it('a message id with path characters cannot leave the outbox', async () => {
    const outbox = path.join(dir, 'safe');
    const sender = createSender({ outboxDir: outbox, log, smtp });
    await sender.send(Buffer.from('x'), { from: 'complaints@redress.example', to: ['ann@example.com'] }, '../../escape@redress.example');
    const files = await fs.readdir(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^_[^/\\]*escape@redress\.example-[0-9a-f]{12}\.eml$/);
  });
});
