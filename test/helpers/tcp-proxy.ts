import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Bytes passed from the target to clients so far, over all connections. */
  readonly bytesFromTarget: number;
  /** When the client gave up on each stalled connection (performance.now()). */
  readonly stallsAbandonedAt: number[];
  /** Resets every open connection, both sides, as a network failure would. */
  dropAll(): void;
  /** Drops everything once `when(bytesFromTarget)` holds: a cut in the middle of a server response. */
  dropWhen(when: (bytesFromTarget: number) => boolean): Promise<void>;
  /** Drops every connection and refuses new ones until `restore()`: the target is unreachable. */
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** Connections (numbered from 1) accepted and then left silent, never passed on: a stalled server. */
  stall?: (connection: number) => boolean;
}

/** A loopback TCP proxy to `targetPort`, for dropped-connection and stalled-server tests. */
export async function startProxy(targetPort: number, targetHost = '127.0.0.1', opts: ProxyOptions = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const stallsAbandonedAt: number[] = [];
  let connections = 0;
  let bytesFromTarget = 0;
  let trigger: { when: (n: number) => boolean; fired: () => void } | undefined;
  let refusing = false;

  const dropAll = () => {
    for (const s of sockets) s.resetAndDestroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    connections += 1;
    if (opts.stall?.(connections)) {
      sockets.add(client);
      client.on('error', () => {});
      client.on('close', () => {
        sockets.delete(client);
        stallsAbandonedAt.push(performance.now());
      });
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (chunk: Buffer) => {
      bytesFromTarget += chunk.length;
      if (trigger?.when(bytesFromTarget)) {
        const { fired } = trigger;
        trigger = undefined;
        dropAll();
        fired();
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no address');

  return {
    port: address.port,
    get connections() {
      return connections;
    },
    get bytesFromTarget() {
      return bytesFromTarget;
    },
    stallsAbandonedAt,
    dropAll,
    dropWhen: (when) => new Promise<void>((fired) => (trigger = { when, fired })),
    cut: () => {
      refusing = true;
      dropAll();
    },
    restore: () => {
      refusing = false;
    },
    stop: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
