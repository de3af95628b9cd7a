/**
 * Builds the service worker after `vite build`: bundles src/sw/sw.ts, injects Workbox's precache manifest of
 * the app shell, and writes large-assets.json (the wasm runtimes the SW caches itself, see src/sw/sw.ts; models live in the verified store).
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { injectManifest } from 'workbox-build';
import type { LargeAsset } from '../src/sw/messages.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
// Models are not cached here: they reach the device as bundles, installed into the verified store (src/bundles/client).
const LARGE = /^(?!models\/).*\.(wasm|onnx|bin)$/;

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else out.push(relative(dist, full).split('\\').join('/'));
  }
  return out;
}

await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    outDir: dist,
    emptyOutDir: false,
    copyPublicDir: false,
    minify: true,
    lib: { entry: join(root, 'src/sw/sw.ts'), formats: ['iife'], name: 'sw', fileName: () => 'sw.js' },
  },
  define: { 'process.env.NODE_ENV': '"production"' },
});

const files = (await walk(dist)).filter((f) => f !== 'sw.js' && f !== 'large-assets.json');
const large: LargeAsset[] = [];
const hash = createHash('sha256');
for (const f of files.filter((f) => LARGE.test(f)).sort()) {
  const bytes = await readFile(join(dist, f));
  hash.update(f).update(createHash('sha256').update(bytes).digest());
  large.push({ url: f, size: (await stat(join(dist, f))).size });
}
const version = hash.digest('hex').slice(0, 16);
await writeFile(join(dist, 'large-assets.json'), JSON.stringify({ version, assets: large }, null, 1));

const { count, size, warnings } = await injectManifest({
  swSrc: join(dist, 'sw.js'),
  swDest: join(dist, 'sw.js'),
  globDirectory: dist,
  globPatterns: ['**/*'],
  globIgnores: ['sw.js', '**/*.wasm', '**/*.onnx', '**/*.bin', 'models/**', '**/*.map'],
  maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
});
for (const w of warnings) console.warn(`build-sw: ${w}`);
const largeMb = large.reduce((s, a) => s + a.size, 0) / 1e6;
console.log(`service worker: ${count} shell files precached (${(size / 1e6).toFixed(1)} MB); ${large.length} large files (${largeMb.toFixed(1)} MB) cached for offline use, version ${version}`);
