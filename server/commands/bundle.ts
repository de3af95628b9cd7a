/** `voice-agent bundle pack|verify|publish|list`: encrypted, signed bundles from folder to sync service. */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { compareVersions, type RootMetadata } from '../../src/bundles/metadata.ts';
import { packVab } from '../../src/bundles/node-pack.ts';
import type { PublicKeyInfo } from '../../src/bundles/signing.ts';
import { parseCommandArgs, UsageError } from '../args.ts';
import { readPublisherKey, readRootFile, readWrapRecipient } from '../bundles/key-files.ts';
import { packInputFromDir } from '../bundles/pack-dir.ts';
import { createProgress, formatBytes } from '../bundles/progress.ts';
import { VabVerifier, verifyVab, type TrustAnchor, type VerifySummary } from '../bundles/verify-vab.ts';
import { dataDirPaths, hasServerKeys, openDataDir } from '../sync/data-dir.ts';
import type { RolloutRecord } from '../sync/metadata-store.ts';
import { AdminError, dataDirOf, intOption, json, runAdmin, shortTime, table, withStores, type AdminIo } from './admin.ts';

const USAGE = `Usage: voice-agent bundle pack <dir> --kind <vad|stt|tts|llm|embeddings|kb> --version <v> [--id <id>] [--lang hi,en]
                 [--min-app <v>] [--requires-webgpu] [--memory-mb N] [--role name=path ...] [--out <file.vab>]
                 [--publisher-key <jwk file>] [--wrap-key <root.json>] [--chunk-size N[K|M]] [--data <dir>]
       voice-agent bundle verify <file.vab> [--root <root.json>] [--json] [--data <dir>]
       voice-agent bundle publish <file.vab> [--rollout <percent>] [--data <dir>]
       voice-agent bundle list [--json] [--data <dir>]`;

export async function runBundle(args: string[], io: AdminIo): Promise<number> {
  const [sub, ...rest] = args;
  return runAdmin(`bundle ${sub ?? ''}`.trim(), USAGE, io, async () => {
    switch (sub) {
      case 'pack':
        return bundlePack(rest, io);
      case 'verify':
        return bundleVerify(rest, io);
      case 'publish':
        return bundlePublish(rest, io);
      case 'list':
        return bundleList(rest, io);
      default:
        throw new UsageError(sub ? `voice-agent bundle: unknown sub-command "${sub}".` : 'voice-agent bundle: say what to do (pack, verify, publish or list).');
    }
  });
}

const progressFor = (label: string, io: AdminIo) => createProgress(label, { write: io.stderr, isTTY: io.stderrIsTTY ?? false });

function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`voice-agent ${command}: give exactly one ${what} (got ${positionals.length}).`);
  return positionals[0]!;
}

/** "1048576", "256K", "1M" (binary units, as chunk sizes are). */
function chunkSizeOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([KkMm]?)$/.exec(value);
  const n = m ? Number(m[1]) * (m[2] ? (m[2].toLowerCase() === 'k' ? 1024 : 1 << 20) : 1) : NaN;
  if (!(n >= 1024 && n <= 64 << 20)) throw new UsageError(`--chunk-size must be from 1K to 64M (bytes, or with K or M); got "${value}".`);
  return n;
}

const binarySize = (n: number) => (n % (1 << 20) === 0 ? `${n >> 20} MiB` : n % 1024 === 0 ? `${n >> 10} KiB` : `${n} bytes`);

async function bundlePack(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'bundle pack',
    args,
    {
      kind: { type: 'string' },
      version: { type: 'string' },
      id: { type: 'string' },
      lang: { type: 'string', multiple: true },
      'min-app': { type: 'string' },
      'requires-webgpu': { type: 'boolean', default: false },
      'memory-mb': { type: 'string' },
      role: { type: 'string', multiple: true },
      out: { type: 'string' },
      'publisher-key': { type: 'string' },
      'wrap-key': { type: 'string' },
      'chunk-size': { type: 'string' },
      data: { type: 'string' },
    },
    true,
  );
  const dir = onePositional('bundle pack', positionals, 'folder to pack');
  if (!values.kind) throw new UsageError('voice-agent bundle pack: --kind is required.');
  if (!values.version) throw new UsageError('voice-agent bundle pack: --version is required.');
  const memoryMB = intOption('memory-mb', values['memory-mb'], 1, 1 << 20);
  const chunkSize = chunkSizeOption(values['chunk-size']);
  const input = await packInputFromDir({
    dir,
    kind: values.kind,
    version: values.version,
    ...(values.id !== undefined ? { id: values.id } : {}),
    languages: (values.lang ?? []).flatMap((l) => l.split(',')).map((l) => l.trim()).filter(Boolean),
    ...(values['min-app'] !== undefined ? { minAppVersion: values['min-app'] } : {}),
    requiresWebgpu: values['requires-webgpu'],
    ...(memoryMB !== undefined ? { memoryMB } : {}),
    roles: values.role ?? [],
    ...(chunkSize !== undefined ? { chunkSize } : {}),
  });

  const dataDir = dataDirOf(values.data);
  const paths = dataDirPaths(dataDir, values['publisher-key']);
  const publisher = await readPublisherKey(
    paths.publisherKey,
    values['publisher-key'] ? 'Pass the file written by "voice-agent keys init".' : `Run "voice-agent keys init --data ${dataDir}", or pass --publisher-key <file>.`,
  );
  // The recipient of the content key, and (when known) the root whose targets role must accept the signature.
  let recipient: PublicKeyInfo;
  let root: RootMetadata | undefined;
  if (values['wrap-key']) {
    ({ recipient, root } = await readWrapRecipient(values['wrap-key']));
  } else {
    root = (await readRootFile(paths.root, `Run "voice-agent keys init --data ${dataDir}", or pass --wrap-key <the service's root.json>.`)).signed;
    recipient = root.wrapKey;
  }
  if (root && !root.roles.targets.keyids.includes(publisher.keyid)) {
    throw new AdminError(
      `The publisher key ${publisher.keyid.slice(0, 16)}… is not trusted by the service's root (targets: ${root.roles.targets.keyids
        .map((k) => `${k.slice(0, 16)}…`)
        .join(', ')}), so devices would reject this bundle. Pass the publisher key made by "keys init" for that service.`,
    );
  }
  const out = resolve(values.out ?? `${basename(resolve(dir))}-${input.version}.vab`);
  const progress = progressFor('packing', io);
  const started = Date.now();
  const packed = await packVab(input, { publisher, recipient, onProgress: (done, total) => progress.update(done, total) }, out);
  progress.done();
  const seconds = (Date.now() - started) / 1000;
  const m = packed.manifest.signed;
  const plain = m.files.reduce((s, f) => s + f.size, 0);
  io.stdout(`Packed ${m.id} ${m.version} (${m.kind}) -> ${out}\n`);
  io.stdout(`  ${m.files.length} file(s), ${formatBytes(plain)}, ${m.files.reduce((s, f) => s + f.chunks.length, 0)} chunk(s) of ${binarySize(m.chunkSize)}\n`);
  io.stdout(`  roles: ${Object.entries(m.roles).map(([k, v]) => `${k}=${v}`).join(', ')}\n`);
  if (m.languages.length) io.stdout(`  languages: ${m.languages.join(', ')}\n`);
  io.stdout(`  signed by ${publisher.keyid.slice(0, 16)}…, content key wrapped to the sync service's key\n`);
  io.stdout(`  ${seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`} (${(plain / 1e6 / Math.max(seconds, 0.001)).toFixed(1)} MB/s)\n`);
  io.stdout(`\nNext: voice-agent bundle publish ${out}\n`);
  return 0;
}

/** The root to verify against (data dir or --root) and, when this data dir can open the bundle, its wrap key. */
async function trustFor(dataDir: string, rootFile: string | undefined): Promise<TrustAnchor> {
  const serverKeys = hasServerKeys(dataDir) ? await openDataDir(dataDir) : undefined;
  if (rootFile) {
    const root = (await readRootFile(rootFile, 'Pass the root.json of the sync service.')).signed;
    const sameService = serverKeys?.root.signed.wrapKey.public === root.wrapKey.public;
    return { root, ...(sameService ? { wrapPrivate: serverKeys.wrapPrivate } : {}) };
  }
  if (serverKeys) return { root: serverKeys.root.signed, wrapPrivate: serverKeys.wrapPrivate };
  const paths = dataDirPaths(dataDir);
  if (existsSync(paths.root)) return { root: (await readRootFile(paths.root, '')).signed };
  throw new AdminError(`There is no root to check the signature against: ${dataDir} has no root.json. Pass --root <root.json> or --data <the service's data dir>.`);
}

function describeSummary(s: VerifySummary): string {
  const lines = [
    `OK: ${s.id} ${s.version} (${s.kind}${s.languages.length ? `; ${s.languages.join(', ')}` : ''})`,
    `  signature by ${s.signedBy.map((k) => `${k.slice(0, 16)}…`).join(', ')} valid under the root's targets role`,
    `  ${s.files} file(s), ${s.chunks} chunk(s), ${formatBytes(s.plainBytes)} (${formatBytes(s.fileBytes)} packed): every chunk hash and blob hash matches`,
    s.decrypted
      ? '  every chunk decrypted: GCM tags and each file\'s SHA-256 match'
      : s.keyEnvelope === 'none'
        ? '  public bundle (content key not wrapped)'
        : '  GCM tags not checked: this data dir does not hold the service wrap key (pass --data of the sync service)',
    `  manifest ${s.manifestSha}`,
  ];
  return `${lines.join('\n')}\n`;
}

async function bundleVerify(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'bundle verify',
    args,
    { root: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean', default: false } },
    true,
  );
  const file = onePositional('bundle verify', positionals, '.vab file');
  const trust = await trustFor(dataDirOf(values.data), values.root);
  const progress = progressFor('verifying', io);
  let summary: VerifySummary;
  try {
    summary = await verifyVab(file, trust, (done, total) => progress.update(done, total));
  } finally {
    progress.done();
  }
  io.stdout(values.json ? json(summary) : describeSummary(summary));
  return 0;
}

async function bundlePublish(args: string[], io: AdminIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'bundle publish',
    args,
    { data: { type: 'string' }, rollout: { type: 'string' }, json: { type: 'boolean', default: false } },
    true,
  );
  const file = onePositional('bundle publish', positionals, '.vab file');
  const percent = intOption('rollout', values.rollout, 1, 100);
  const dataDir = dataDirOf(values.data);
  return withStores(dataDir, async ({ meta, blobs }) => {
    const keys = await openDataDir(dataDir);
    const v = await VabVerifier.open(file, { root: keys.root.signed, wrapPrivate: keys.wrapPrivate });
    const added: string[] = [];
    try {
      const m = v.manifest;
      if (v.vab.header.keyEnvelope.alg === 'none') {
        throw new AdminError(`${file} is a public bundle (its content key is not wrapped), so anyone with a copy could read it. Pack it again without --wrap-key none.`);
      }
      const published = await meta.listBundles({ id: m.id });
      const other = published.find((b) => b.kind !== m.kind);
      if (other) throw new AdminError(`Bundle id "${m.id}" is already published as a ${other.kind} bundle, not ${m.kind}. Pack it with another --id.`);
      const newest = published.reduce<string | undefined>((hi, b) => (hi === undefined || compareVersions(b.version, hi) > 0 ? b.version : hi), undefined);
      if (newest !== undefined && compareVersions(m.version, newest) <= 0) {
        throw new AdminError(
          published.some((b) => compareVersions(b.version, m.version) === 0)
            ? `${m.id} ${m.version} is already published, and a published version never changes. Pack it again with a version higher than ${newest}.`
            : `${m.id} ${m.version} is not higher than the published ${newest}: devices never install a lower version as an update. ` +
                `Pack it again with a version higher than ${newest} (to send devices back to an older version, use "voice-agent rollout rollback").`,
        );
      }
      const progress = progressFor('publishing', io);
      let done = 0;
      const onBytes = (n: number) => progress.update((done += n), v.vab.blobBytes);
      try {
        for (const [i, f] of m.files.entries()) {
          if (await blobs.has(f.blob)) {
            for await (const _ of v.blob(i, onBytes)) {
              // Already stored under this hash; the chunks are still checked.
            }
            continue;
          }
          await blobs.put(v.blob(i, onBytes), f.blob);
          added.push(f.blob);
        }
      } finally {
        progress.done();
      }
      const summary = v.summary();
      const record = await meta.putBundle({
        id: m.id,
        version: m.version,
        kind: m.kind,
        manifestJson: JSON.stringify(v.vab.header.manifest),
        manifestSha: v.manifestSha,
        keyEnvelope: v.vab.header.keyEnvelope,
        size: v.vab.blobBytes,
        blobs: [...new Set(m.files.map((f) => f.blob))],
      });
      added.length = 0; // referenced by a published bundle now
      const rollout = percent !== undefined ? await meta.setRollout({ bundleId: m.id, version: m.version, target: 'all', percent }) : undefined;
      if (values.json) {
        io.stdout(json({ id: m.id, version: m.version, kind: m.kind, size: record.size, files: summary.files, manifestSha: v.manifestSha, rollout: rollout ?? null }));
        return 0;
      }
      io.stdout(`Published ${m.id} ${m.version} (${m.kind}): ${summary.files} file(s), ${formatBytes(record.size)}; every chunk verified and decrypted\n`);
      if (rollout) {
        io.stdout(`Rolled out to ${percent}% of all devices (rollout #${rollout.id}); devices pick it up at their next update check.\n`);
      } else {
        io.stdout(`Not rolled out yet: no device gets it until you run\n  voice-agent rollout set ${m.id} ${m.version} --percent 100\n`);
      }
      return 0;
    } finally {
      await v.close();
      // A failed publish leaves no blob behind that no published bundle names.
      for (const sha of added) if (!(await meta.isPublishedBlob(sha))) await blobs.delete(sha);
    }
  });
}

export function describeRollout(r: RolloutRecord): string {
  return `${r.target === 'all' ? 'all' : r.target} ${r.percent}%${r.pinned ? ' pinned' : ''}`;
}

async function bundleList(args: string[], io: AdminIo): Promise<number> {
  const { values } = parseCommandArgs('bundle list', args, { data: { type: 'string' }, json: { type: 'boolean', default: false } });
  return withStores(dataDirOf(values.data), async ({ meta }) => {
    const bundles = await meta.listBundles();
    const rollouts = await meta.listRollouts({ activeOnly: true });
    const rolloutsOf = (id: string, version: string) => rollouts.filter((r) => r.bundleId === id && r.version === version);
    if (values.json) {
      const ids = [...new Set(bundles.map((b) => b.id))];
      io.stdout(
        json(
          ids.map((id) => {
            const versions = bundles.filter((b) => b.id === id);
            return {
              id,
              kind: versions[0]!.kind,
              versions: versions.map((b) => ({
                version: b.version,
                size: b.size,
                publishedAt: b.publishedAt,
                manifestSha: b.manifestSha,
                rollouts: rolloutsOf(id, b.version).map((r) => ({ id: r.id, target: r.target, percent: r.percent, pinned: r.pinned })),
              })),
            };
          }),
        ),
      );
      return 0;
    }
    if (bundles.length === 0) {
      io.stdout('No bundles are published yet. Pack one with "voice-agent bundle pack" and publish it with "voice-agent bundle publish".\n');
      return 0;
    }
    io.stdout(
      table(
        ['id', 'kind', 'version', 'size', 'published', 'rollout'],
        bundles.map((b) => [
          b.id,
          b.kind,
          b.version,
          formatBytes(b.size),
          shortTime(b.publishedAt),
          rolloutsOf(b.id, b.version).map(describeRollout).join('; ') || '-',
        ]),
      ),
    );
    return 0;
  });
}
