import http from 'node:http';
import type { Db } from './db/pool.ts';
import type { Logger } from './log.ts';

export interface Metrics {
  inbound_by_kind: Record<string, number>;
  cases_by_status: Record<string, number>;
  outbound_by_status: Record<string, number>;
  deadlines_overdue_by_kind: Record<string, number>;
  dead_letters: number;
  quarantined: number;
}

/** Read from the database, so every worker (and the CLI) reports the same truth. */
export async function collectMetrics(db: Db, now: Date): Promise<Metrics> {
  const grouped = async (rows: Promise<{ k: string; n: number }[]>) => Object.fromEntries((await rows).map((r) => [r.k, r.n]));
  const [inbound, cases, outbound, overdue, [dead]] = await Promise.all([
    grouped(db<{ k: string; n: number }[]>`select kind as k, count(*)::int as n from inbound_messages group by kind`),
    grouped(db<{ k: string; n: number }[]>`select status as k, count(*)::int as n from cases group by status`),
    grouped(db<{ k: string; n: number }[]>`select status as k, count(*)::int as n from outbound_messages group by status`),
    grouped(db<{ k: string; n: number }[]>`select kind as k, count(*)::int as n from deadlines where status = 'pending' and due_at < ${now} group by kind`),
    db<[{ n: number }]>`select count(*)::int as n from dead_letters`,
  ]);
  return {
    inbound_by_kind: inbound,
    cases_by_status: cases,
    outbound_by_status: outbound,
    deadlines_overdue_by_kind: overdue,
    dead_letters: dead.n,
    quarantined: inbound.quarantined ?? 0,
  };
}

/** Prometheus text exposition. */
export function renderPrometheus(m: Metrics): string {
  const family = (name: string, help: string, label: string, values: Record<string, number>) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} gauge`,
    ...Object.entries(values).map(([k, v]) => `${name}{${label}="${k}"} ${v}`),
  ];
  return [
    ...family('redress_inbound_messages', 'Stored inbound messages by kind.', 'kind', m.inbound_by_kind),
    ...family('redress_cases', 'Cases by status.', 'status', m.cases_by_status),
    ...family('redress_outbound_messages', 'Outbound messages by status.', 'status', m.outbound_by_status),
    ...family('redress_deadlines_overdue', 'Pending deadlines past due, by kind.', 'kind', m.deadlines_overdue_by_kind),
    '# HELP redress_dead_letters Sends that failed for good.',
    '# TYPE redress_dead_letters gauge',
    `redress_dead_letters ${m.dead_letters}`,
    '',
  ].join('\n');
}

/** GET /metrics on METRICS_LISTEN for the operator's scraper. */
export async function startMetricsServer(deps: { sql: Db; log: Logger; now: () => Date }, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    collectMetrics(deps.sql, deps.now())
      .then((m) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderPrometheus(m)))
      .catch((err: unknown) => {
        deps.log.error({ err }, 'metrics collection failed');
        res.writeHead(503).end('metrics unavailable\n');
      });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  deps.log.info({ host, port: bound }, 'metrics listening');
  return { port: bound, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
