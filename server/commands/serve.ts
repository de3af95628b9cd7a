import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { createServer } from '../app.ts';
import { defaultDataDir, hasServerKeys, initDataDir, type InitResult } from '../sync/data-dir.ts';

/**
 * Keys are created on their own only in the project's default data dir (`<project>/.data`), so `npm start` on a
 * fresh machine just works. Any other dir (from --data or VOICE_AGENT_DATA) must have had `keys init` on purpose:
 * a typo there would otherwise start a service with new keys no enrolled device trusts.
 */
export function mayCreateKeys(dataDir: string): boolean {
  return resolve(dataDir) === defaultDataDir({});
}

export async function runServe(args: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    data: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`voice-agent serve: --port must be a number from 0 to 65535, got "${values.port}".\n`);
    return 2;
  }
  const dataDir = values.data !== undefined ? resolve(values.data) : defaultDataDir();
  let initialised: InitResult | undefined;
  if (!hasServerKeys(dataDir)) {
    if (!mayCreateKeys(dataDir)) {
      io.stderr(
        `voice-agent serve: no keys in ${dataDir}. Only the default data dir (${defaultDataDir({})}) gets keys on its own: ` +
          `a mistyped --data or VOICE_AGENT_DATA would start a service no enrolled device trusts. Run \`voice-agent keys init --data ${dataDir}\` first, or point --data at the existing data dir.\n`,
      );
      return 1;
    }
    initialised = await initDataDir(dataDir);
  }
  // Logs are JSON lines on stdout (pino); the human greeting goes to stderr so log shippers see only JSON.
  const app = await createServer({ logger: values.quiet ? false : { level: 'info' }, dataDir });
  if (initialised) {
    app.log.warn(
      { dataDir: initialised.paths.dir, publisherKey: initialised.paths.publisherKey, keyids: initialised.keyids },
      'no keys in the data directory: created new keys and a signed root (as "voice-agent keys init" does). ' +
        'Move the publisher key offline before using this server in production.',
    );
  }
  const address = await app.listen({ port, host: values.host });
  const url = address.replace('127.0.0.1', 'localhost');
  io.stderr(`\nVoice agent is running: open ${url}/  (kiosk: ${url}/?mode=kiosk, field: ?mode=field, rm: ?mode=rm)\n`);
  io.stderr(`Sync data: ${dataDir}. Press Ctrl+C to stop.\n`);
  await new Promise<void>((done) => {
    const stop = () => void app.close().then(() => done());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
