import { parseCommandArgs } from '../args.ts';
import { createServer } from '../app.ts';
import { defaultDataDir, hasServerKeys, initDataDir } from '../sync/data-dir.ts';

export async function runServe(args: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    data: { type: 'string', default: defaultDataDir() },
    quiet: { type: 'boolean', default: false },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`voice-agent serve: --port must be a number from 0 to 65535, got "${values.port}".\n`);
    return 2;
  }
  // A fresh machine gets keys on first start, so `npm start` just works; production runs `keys init` on purpose.
  const initialised = hasServerKeys(values.data) ? undefined : await initDataDir(values.data);
  // Logs are JSON lines on stdout (pino); the human greeting goes to stderr so log shippers see only JSON.
  const app = await createServer({ logger: values.quiet ? false : { level: 'info' }, dataDir: values.data });
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
  io.stderr(`Sync data: ${initialised?.paths.dir ?? values.data}. Press Ctrl+C to stop.\n`);
  await new Promise<void>((done) => {
    const stop = () => void app.close().then(() => done());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
