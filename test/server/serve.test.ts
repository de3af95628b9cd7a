/** `voice-agent serve` as `npm start` runs it: a real process, a data dir, JSON logs. Needs the built app (npm test builds it). */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_APP_DIR } from '../../server/app.ts';
import { mayCreateKeys } from '../../server/commands/serve.ts';
import { defaultDataDir } from '../../server/sync/data-dir.ts';
import { tempDir } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/voice-agent.mjs', import.meta.url));

async function serveOnce(dataDir: string): Promise<{ logs: Array<Record<string, unknown>>; health: Record<string, unknown>; code: number | null }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 20_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /open (http:\/\/localhost:\d+)\//.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  const health = (await (await fetch(`${url}/api/health`)).json()) as Record<string, unknown>;
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  const logs = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logs, health, code };
}

describe('voice-agent serve', () => {
  it('creates keys on its own only in the default data dir', () => {
    expect(mayCreateKeys(defaultDataDir({}))).toBe(true);
    expect(mayCreateKeys(join(defaultDataDir({}), '..', '.data'))).toBe(true);
    expect(mayCreateKeys(join(tmpdir(), 'elsewhere'))).toBe(false);
    expect(mayCreateKeys(defaultDataDir({ VOICE_AGENT_DATA: join(tmpdir(), 'from-env') }))).toBe(false);
  });

  it('refuses a --data dir without keys; after keys init it logs JSON lines, serves health, stops cleanly', async () => {
    // `npm test` builds the app first; serve refuses to start without it.
    expect(existsSync(join(DEFAULT_APP_DIR, 'index.html')), 'dist/ is not built: run "npm run build" (npm test does)').toBe(true);
    const dir = await tempDir('va-serve-');
    const data = join(dir, 'data');
    try {
      const refused = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--data', data], { encoding: 'utf8', timeout: 20_000 });
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stderr).toContain(`no keys in ${data}`);
      expect(refused.stderr).toContain(`voice-agent keys init --data ${data}`);
      expect(existsSync(join(data, 'keys'))).toBe(false);

      const init = spawnSync(process.execPath, [BIN, 'keys', 'init', '--data', data], { encoding: 'utf8', timeout: 20_000 });
      expect(init.status, init.stderr).toBe(0);
      const first = await serveOnce(data);
      expect(first.code).toBe(0);
      expect(first.health).toMatchObject({ status: 'ok', db: 'ok', blobs: 'ok', devices: 0 });
      expect(first.logs.some((l) => /created new keys/.test(String(l.msg)))).toBe(false);
      expect(first.logs.some((l) => (l.req as { url?: string } | undefined)?.url === '/api/health')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
