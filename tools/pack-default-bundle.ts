/**
 * Packs the embedded default bundle in public/models/default: copies the models that npm packages ship
 * (Silero VAD v5 from @ricky0123/vad-web, eSpeak NG's wasm with its voices) next to the project's own
 * knowledge base, and writes manifest.json with each file's size and SHA-256.
 * Run by `npm run build:bundle` (part of `npm run build` and of the test set-up).
 */
import { copyFile, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { DEFAULT_BUNDLE_DIR } from '../src/bundles/node-source.ts';
import { sha256Hex, type BundleManifest } from '../src/bundles/source.ts';

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

const copies: Array<[from: string, to: string]> = [
  [join(pkgDir('@ricky0123/vad-web'), 'dist/silero_vad_v5.onnx'), 'vad/silero_vad_v5.onnx'],
  [join(pkgDir('espeak-ng'), 'dist/espeak-ng.wasm'), 'tts/espeak-ng.wasm'],
];

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.name !== 'manifest.json') out.push(relative(DEFAULT_BUNDLE_DIR, full).split('\\').join('/'));
  }
  return out.sort();
}

export async function packDefaultBundle(): Promise<BundleManifest> {
  for (const [from, to] of copies) {
    const dest = join(DEFAULT_BUNDLE_DIR, to);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(from, dest);
  }
  const files = [];
  for (const path of await listFiles(DEFAULT_BUNDLE_DIR)) {
    const bytes = new Uint8Array(await readFile(join(DEFAULT_BUNDLE_DIR, path)));
    files.push({ path, size: (await stat(join(DEFAULT_BUNDLE_DIR, path))).size, sha256: await sha256Hex(bytes) });
  }
  const roles: Record<string, string> = { vad: 'vad/silero_vad_v5.onnx', tts: 'tts/espeak-ng.wasm', kb: 'kb/gold-loan.json' };
  // Speech recognition is a folder of files (the engine is chosen by which files are there).
  if (files.some((f) => f.path.startsWith('stt/') && f.path.endsWith('.onnx'))) roles.stt = 'stt/';
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const manifest: BundleManifest = {
    id: 'default',
    kind: 'default',
    version: pkg.version,
    languages: ['hi', 'en'],
    roles,
    files,
  };
  await writeFile(join(DEFAULT_BUNDLE_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await packDefaultBundle();
  const total = m.files.reduce((s, f) => s + f.size, 0);
  console.log(`default bundle: ${m.files.length} files, ${(total / 1e6).toFixed(1)} MB -> ${DEFAULT_BUNDLE_DIR}`);
}
