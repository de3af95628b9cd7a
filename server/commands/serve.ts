import { parseCommandArgs } from '../args.ts';
import { createServer } from '../app.ts';

export async function runServe(args: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    quiet: { type: 'boolean', default: false },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`voice-agent serve: --port must be a number from 0 to 65535, got "${values.port}".\n`);
    return 2;
  }
  const app = await createServer({ logger: !values.quiet });
  const address = await app.listen({ port, host: values.host });
  const url = address.replace('127.0.0.1', 'localhost');
  io.stdout(`\nVoice agent is running: open ${url}/  (kiosk: ${url}/?mode=kiosk, field: ?mode=field, rm: ?mode=rm)\n`);
  io.stdout('Press Ctrl+C to stop.\n');
  await new Promise<void>((done) => {
    const stop = () => void app.close().then(() => done());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
