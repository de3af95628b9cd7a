/**
 * Prometheus metrics. Each server has its own registry (tests start many servers in one process; a global
 * registry would mix them up and refuse duplicate names).
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface SyncMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  enrolments: Counter<'result'>;
  updateChecks: Counter<'result'>;
  keyIssues: Counter;
  downloadBytes: Counter;
  downloads: Counter<'status_code'>;
}

export function createMetrics(): SyncMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers: [registry],
    }),
    enrolments: new Counter({ name: 'sync_enrolments_total', help: 'Enrolment attempts by result.', labelNames: ['result'], registers: [registry] }),
    updateChecks: new Counter({ name: 'sync_update_checks_total', help: 'Update checks by result.', labelNames: ['result'], registers: [registry] }),
    keyIssues: new Counter({ name: 'sync_key_envelopes_total', help: 'Content keys wrapped for a device.', registers: [registry] }),
    downloadBytes: new Counter({ name: 'sync_download_bytes_total', help: 'Blob bytes sent to devices.', registers: [registry] }),
    downloads: new Counter({ name: 'sync_blob_requests_total', help: 'Blob requests by status.', labelNames: ['status_code'], registers: [registry] }),
  };
}

/** Times every request (by route pattern, so static files and ids do not explode the label set) and serves GET /metrics. */
export function registerMetrics(app: FastifyInstance, metrics: SyncMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store').type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
