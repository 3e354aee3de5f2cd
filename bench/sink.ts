import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { listen, PLAIN_RELAY } from '../test/helpers/smtp-sink.ts';

export interface Arrival {
  /** performance.now() when the relay answered 250. */
  at: number;
  messageId: string;
  /** The complaint an acknowledgement answers (its In-Reply-To), without brackets. */
  inReplyTo: string;
}

export interface BenchSink {
  url: string;
  arrivals: Arrival[];
  /** Resolves when `ready()` holds, checked at each arrival; rejects after `timeoutMs`. */
  until(what: string, ready: () => boolean, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The relay for the send benchmark: accepts everything and keeps only what the figures
 * need (arrival time, Message-ID, In-Reply-To, read from the header block), so the sink's
 * own parsing does not compete with the worker for the machine's two cores.
 */
export async function startBenchSink(): Promise<BenchSink> {
  const arrivals: Arrival[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    ...PLAIN_RELAY,
    onData(stream, _session, callback) {
      headerBlock(stream)
        .then((head) => {
          arrivals.push({ at: performance.now(), messageId: header(head, 'message-id'), inReplyTo: header(head, 'in-reply-to') });
          for (const wake of waiters) wake();
          callback(null);
        })
        .catch((err: unknown) => callback(err as Error));
    },
  });
  const port = await listen(server, 0);
  server.on('error', () => {});
  return {
    url: `smtp://127.0.0.1:${port}`,
    arrivals,
    until: (what, ready, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!ready()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`bench sink: waited ${timeoutMs} ms for ${what}; ${arrivals.length} messages arrived`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Reads the whole message (the client waits for our answer) and keeps the header block. */
function headerBlock(stream: SMTPServerDataStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let head = '';
    let done = false;
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) {
        head = head.slice(0, end);
        done = true;
      }
    });
    stream.on('end', () => resolve(head));
    stream.on('error', reject);
  });
}

function header(head: string, name: string): string {
  const match = new RegExp(`^${name}:[ \\t]*<([^>\\r\\n]*)>`, 'im').exec(head);
  return match?.[1] ?? '';
}
