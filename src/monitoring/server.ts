import http from 'node:http';
import { Registry } from 'prom-client';
import type { Db } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { createDatabaseGauges, createProcessMetrics, type PipelineMetrics } from './metrics.ts';
import { checkReadiness, type ReadinessDeps } from './readiness.ts';

export interface MonitorDeps {
  sql: Db;
  log: Logger;
  now: () => Date;
  /** The app's histograms (intake lag, send latency). */
  pipeline: PipelineMetrics;
  readiness: ReadinessDeps;
}

export interface MonitorServer {
  port: number;
  close(): Promise<void>;
}

/** METRICS_LISTEN: GET /metrics (Prometheus text), /healthz (alive) and /readyz (ready for work) for the orchestrator. */
export async function startMonitorServer(deps: MonitorDeps, host: string, port: number): Promise<MonitorServer> {
  const gauges = createDatabaseGauges();
  const registry = Registry.merge([deps.pipeline.registry, gauges.registry, createProcessMetrics()]);
  let lastFailing = '';
  const routes: Record<string, (res: http.ServerResponse) => Promise<void>> = {
    '/healthz': async (res) => json(res, 200, { status: 'ok' }),
    '/readyz': async (res) => {
      const readiness = await checkReadiness(deps.readiness);
      // Log changes only: an orchestrator probes every few seconds.
      if (readiness.failing.join() !== lastFailing) {
        lastFailing = readiness.failing.join();
        if (lastFailing) deps.log.warn({ checks: readiness.checks }, `not ready: ${lastFailing}`);
        else deps.log.info('ready');
      }
      json(res, readiness.failing.length === 0 ? 200 : 503, readiness);
    },
    '/metrics': async (res) => {
      await gauges.refresh(deps.sql, deps.now());
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(text);
    },
  };
  const server = http.createServer((req, res) => {
    const route = req.method === 'GET' ? routes[new URL(req.url ?? '/', 'http://monitor').pathname] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics, /healthz or /readyz\n');
      return;
    }
    route(res).catch((err: unknown) => {
      deps.log.error({ err, path: req.url }, 'monitoring request failed');
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  deps.log.info({ host, port: bound }, 'metrics, health and readiness listening');
  return { port: bound, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
