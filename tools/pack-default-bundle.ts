/**
 * Builds the embedded default bundles (run by `npm run build:bundle`, part of `npm run build` and `npm test`):
 * 1. copies the models npm packages ship (Silero VAD v5 from @ricky0123/vad-web, eSpeak NG's wasm) next to the
 *    project's own knowledge base and speech model in tools/default-bundle/, with a plain manifest.json that
 *    Node's DirSource reads (CLI, unit tests);
 * 2. packs them as four signed bundles (default-vad, -stt, -tts, -kb) into public/models/default/ in the same
 *    format the sync service distributes (docs/bundle-format.md), so the app installs them through the same
 *    download → verify → store path. They are public, so their key envelope carries the key in the clear.
 * A bundle is re-packed (with a new, higher version) only when its inputs or the embedded publisher key changed.
 */
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BundleKind, BundleMetadata } from '../src/bundles/metadata.ts';
import { DEFAULT_BUNDLE_DIR } from '../src/bundles/node-source.ts';
import { packToBlobDir, type PackedBundle } from '../src/bundles/node-pack.ts';
import { generateSigningKey, importSigningKey } from '../src/bundles/signing.ts';
import type { EmbeddedIndex } from '../src/bundles/container.ts';
import { sha256Hex, type BundleManifest } from '../src/bundles/source.ts';

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const PACKED_DIR = join(ROOT, 'public/models/default');
const KEY_FILE = join(ROOT, 'tools/.keys/embedded-publisher.json');

const copies: Array<[from: string, to: string]> = [
  [join(pkgDir('@ricky0123/vad-web'), 'dist/silero_vad_v5.onnx'), 'vad/silero_vad_v5.onnx'],
  [join(pkgDir('espeak-ng'), 'dist/espeak-ng.wasm'), 'tts/espeak-ng.wasm'],
];

/** The embedded bundles: one per kind, so a bank's bundle of a kind replaces just that part. */
const EMBEDDED: Array<{ kind: BundleKind; role: string }> = [
  { kind: 'vad', role: 'vad/silero_vad_v5.onnx' },
  { kind: 'stt', role: 'stt/' },
  { kind: 'tts', role: 'tts/espeak-ng.wasm' },
  { kind: 'kb', role: 'kb/gold-loan.json' },
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

/** The plain manifest of tools/default-bundle (all roles in one folder) for Node's DirSource. */
async function writePlainManifest(version: string): Promise<BundleManifest> {
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
  if (files.some((f) => f.path.startsWith('stt/') && f.path.endsWith('.onnx'))) roles.stt = 'stt/';
  const manifest: BundleManifest = { id: 'default', kind: 'default', version, languages: ['hi', 'en'], roles, files };
  await writeFile(join(DEFAULT_BUNDLE_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

async function embeddedPublisher() {
  try {
    return await importSigningKey(JSON.parse(await readFile(KEY_FILE, 'utf8')) as JsonWebKey);
  } catch {
    // A fresh checkout gets its own key: the embedded bundles are as trusted as the app code they ship with.
    const { key, privateJwk } = await generateSigningKey();
    await mkdir(dirname(KEY_FILE), { recursive: true });
    await writeFile(KEY_FILE, JSON.stringify(privateJwk), { mode: 0o600 });
    return key;
  }
}

async function readIndex(): Promise<EmbeddedIndex | undefined> {
  try {
    return JSON.parse(await readFile(join(PACKED_DIR, 'index.json'), 'utf8')) as EmbeddedIndex;
  } catch {
    return undefined;
  }
}

/** A packed bundle is kept when its publisher, app version and every file are unchanged. */
function stillCurrent(b: PackedBundle | undefined, files: BundleManifest['files'], appVersion: string): boolean {
  if (!b || !b.manifest.signed.version.startsWith(`${appVersion}.`)) return false;
  const packed = new Map(b.manifest.signed.files.map((f) => [f.path, f.sha256]));
  return packed.size === files.length && files.every((f) => packed.get(f.path) === f.sha256);
}

/**
 * The embedded bundles' version: the app's version plus minutes since 2026, taken when that bundle's content
 * last changed. Devices install a built-in bundle only when its version is higher than the one they have, so
 * a changed knowledge base or model never ships under the version before, and unchanged ones keep theirs.
 */
function embeddedVersion(appVersion: string, now = Date.now()): string {
  return `${appVersion}.${Math.floor((now - Date.UTC(2026, 0, 1)) / 60_000)}`;
}

export async function packDefaultBundle(): Promise<{ index: EmbeddedIndex; repacked: string[] }> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const plain = await writePlainManifest(pkg.version);
  const publisher = await embeddedPublisher();
  const existing = await readIndex();
  const previous = existing?.publisher.public === publisher.publicKey.public ? existing.bundles : [];
  const blobDir = join(PACKED_DIR, 'blobs');
  const bundles: PackedBundle[] = [];
  const repacked: string[] = [];
  for (const { kind, role } of EMBEDDED) {
    const id = `default-${kind}`;
    const inputs = plain.files.filter((f) => f.path.startsWith(`${kind}/`));
    if (!inputs.length) continue;
    const old = previous.find((b) => b.manifest.signed.id === id);
    if (stillCurrent(old, inputs, pkg.version)) {
      bundles.push(old!);
      continue;
    }
    repacked.push(id);
    bundles.push(
      await packToBlobDir(
        {
          id,
          kind,
          version: embeddedVersion(pkg.version),
          languages: kind === 'vad' ? [] : ['hi', 'en'],
          minAppVersion: pkg.version,
          roles: { [kind]: role },
          files: inputs.map((f) => ({ path: f.path, source: join(DEFAULT_BUNDLE_DIR, f.path) })),
        },
        { publisher, recipient: 'none' },
        blobDir,
      ),
    );
  }
  // Blobs of replaced bundles go; the rest stay (unchanged bundles keep their bytes and signatures).
  const keep = new Set(bundles.flatMap((b) => b.manifest.signed.files.map((f) => f.blob)));
  for (const name of await readdir(blobDir).catch(() => [] as string[])) {
    if (!keep.has(name)) await rm(join(blobDir, name), { force: true });
  }
  const index: EmbeddedIndex = { publisher: publisher.publicKey, bundles };
  await writeFile(join(PACKED_DIR, 'index.json'), JSON.stringify(index));
  return { index, repacked };
}

export const embeddedSize = (m: BundleMetadata) => m.files.reduce((s, f) => s + f.encSize, 0);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { index, repacked } = await packDefaultBundle();
  const total = index.bundles.reduce((s, b) => s + embeddedSize(b.manifest.signed), 0);
  const what = repacked.length ? `packed ${repacked.join(', ')}` : 'up to date';
  const ids = index.bundles.map((b) => b.manifest.signed.id).join(', ');
  console.log(`default bundles ${what}: ${ids}, ${(total / 1e6).toFixed(1)} MB -> ${PACKED_DIR}`);
}
