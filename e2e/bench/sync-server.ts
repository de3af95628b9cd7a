/**
 * The sync service in its own process for the sync benchmark (e2e/bench/sync.bench.ts), so the load
 * generators do not share an event loop with it. `voice-agent serve` takes no tuning flags, so this calls
 * createServer itself with the per-device rate limits off (a load test from one address would hit them).
 *   node --import tsx e2e/bench/sync-server.ts <appDir> <dataDir>
 * Prints one JSON line `{"port":N}` when listening; stops on SIGTERM/SIGINT or when stdin closes.
 */
import type { AddressInfo } from 'node:net';
import { createServer } from '../../server/app.ts';

const [appDir, dataDir] = process.argv.slice(2);
if (!appDir || !dataDir) {
  process.stderr.write('usage: sync-server.ts <appDir> <dataDir>\n');
  process.exit(2);
}

const app = await createServer({
  appDir, dataDir, logger: false,
  sync: { updatesPerDevicePerMinute: 0, enrollFailuresPerAddress: 0, freshnessLifetimeSeconds: 3600 },
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  app.server.closeAllConnections();
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The parent holds our stdin open; if it dies without signalling, we go too (no stray servers).
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
