/**
 * autocannon in its own process (the sync benchmark's load generator for the update-check endpoint), so
 * the load generator and the server do not share an event loop. Requests rotate over many real device
 * tokens, as a fleet's checks would.
 *   node --import tsx e2e/bench/sync-cannon.ts <config.json>
 * config: { url, tokens: string[], connections, durationSeconds }. Prints one JSON line with the figures.
 */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';

export interface CannonConfig { url: string; tokens: string[]; connections: number; durationSeconds: number }
export interface CannonFigures {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
  devicesUsed: number;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: sync-cannon.ts <config.json>\n');
  process.exit(2);
}
const cfg = JSON.parse(await readFile(file, 'utf8')) as CannonConfig;
if (cfg.tokens.length === 0) throw new Error('sync-cannon: the config has no device tokens; enrol devices first.');

let next = 0;
const used = new Set<number>();
const result = await autocannon({
  url: cfg.url,
  connections: cfg.connections,
  duration: cfg.durationSeconds,
  requests: [
    {
      method: 'GET',
      setupRequest: (req) => {
        const i = next++ % cfg.tokens.length;
        used.add(i);
        return { ...req, headers: { ...req.headers, authorization: `Bearer ${cfg.tokens[i]}` } };
      },
    },
  ],
});

const statusCodes: Record<string, number> = {};
for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count ?? 0;
const figures: CannonFigures = {
  requests: result.requests.total,
  requestsPerSecond: result.requests.average,
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  statusCodes,
  durationSeconds: result.duration,
  devicesUsed: used.size,
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
