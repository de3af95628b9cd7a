/**
 * From a folder of model or knowledge files to the input of the packer (src/bundles/node-pack.ts): which
 * files, under which bundle paths, with which roles, and the default bundle id. Files sit under
 * `<kind>/` in the bundle, so a role always names a path or a prefix that is not empty.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BUNDLE_KINDS, isSafePath, isValidBundleId, isValidVersion, type BundleKind } from '../../src/bundles/metadata.ts';
import type { PackFile, PackInput } from '../../src/bundles/node-pack.ts';

export class PackInputError extends Error {
  override name = 'PackInputError';
  /** True when an option's value is wrong (the command line is at fault, exit 2), not the folder. */
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

export interface DirPackRequest {
  dir: string;
  kind: string;
  version: string;
  id?: string;
  languages?: string[];
  minAppVersion?: string;
  requiresWebgpu?: boolean;
  memoryMB?: number;
  /** `name=path` as given on the command line; path relative to `dir` ("" or "." for the whole folder). */
  roles?: string[];
  chunkSize?: number;
}

/** Files the model runs on: what a role names. A role for these kinds is one file; the others take the whole folder. */
const SINGLE_FILE_ROLE: Partial<Record<BundleKind, { exts: string[]; what: string }>> = {
  kb: { exts: ['.json'], what: '.json' },
  vad: { exts: ['.onnx'], what: '.onnx' },
  tts: { exts: ['.wasm', '.onnx'], what: '.wasm or .onnx' },
};

/** Every regular file under `dir`, relative with "/", sorted; dotfiles and dot-folders are left out. */
export async function listBundleFiles(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new PackInputError(`${dir} is not a folder. Give the folder that holds the model or knowledge files.`);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      // Follow symbolic links, as a user who links a large model into the folder expects.
      const s = entry.isSymbolicLink() ? await stat(join(root, child)).catch(() => undefined) : entry;
      if (s?.isDirectory()) await walk(child);
      else if (s?.isFile()) out.push(child);
    }
  };
  await walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `<kind>-<folder name>`, lower-cased, with anything else than letters, digits, ".", "_", "-" turned into "-". */
export function defaultBundleId(kind: string, dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const id = !name || name === kind ? kind : name.startsWith(`${kind}-`) ? name : `${kind}-${name}`;
  return id.slice(0, 64).replace(/[^a-z0-9]+$/, '');
}

function defaultRole(kind: BundleKind, files: string[]): string {
  const single = SINGLE_FILE_ROLE[kind];
  if (!single) return `${kind}/`;
  const candidates = files.filter((f) => single.exts.some((e) => f.toLowerCase().endsWith(e)));
  if (candidates.length !== 1) {
    throw new PackInputError(
      `Cannot tell which file is the ${kind} model: the folder has ${candidates.length} ${single.what} files` +
        `${candidates.length ? ` (${candidates.slice(0, 5).join(', ')})` : ''}. Name it with --role ${kind}=<file>.`,
    );
  }
  return `${kind}/${candidates[0]}`;
}

function resolveRole(spec: string, kind: BundleKind, files: string[]): [string, string] {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? '' : spec.slice(0, eq);
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name)) {
    throw new PackInputError(`--role "${spec}" must be name=path with a lower-case name, for example --role ${kind}=model.onnx.`, true);
  }
  let path = spec.slice(eq + 1).replace(/^\.\//, '');
  if (path === '' || path === '.' || path === '/') return [name, `${kind}/`];
  if (path.startsWith(`${kind}/`) && !files.includes(path) && !path.endsWith('/')) path = path.slice(kind.length + 1);
  if (path.endsWith('/')) {
    if (!isSafePath(path.slice(0, -1)) || !files.some((f) => f.startsWith(path))) {
      throw new PackInputError(`--role ${name}=${path}: no file in the folder is under "${path}".`);
    }
    return [name, `${kind}/${path}`];
  }
  if (!files.includes(path)) {
    throw new PackInputError(`--role ${name}=${path}: the folder has no file "${path}" (paths are relative to the folder, with "/").`);
  }
  return [name, `${kind}/${path}`];
}

export async function packInputFromDir(req: DirPackRequest): Promise<PackInput> {
  if (!BUNDLE_KINDS.includes(req.kind as BundleKind)) {
    throw new PackInputError(`--kind must be one of ${BUNDLE_KINDS.join(', ')}; got "${req.kind}".`, true);
  }
  const kind = req.kind as BundleKind;
  if (!isValidVersion(req.version)) throw new PackInputError(`--version must be dotted numbers like 1.2.0; got "${req.version}".`, true);
  if (req.minAppVersion !== undefined && !isValidVersion(req.minAppVersion)) {
    throw new PackInputError(`--min-app must be dotted numbers like 0.1.0; got "${req.minAppVersion}".`, true);
  }
  const id = req.id ?? defaultBundleId(kind, req.dir);
  if (!isValidBundleId(id)) {
    throw new PackInputError(
      `The bundle id "${id}" must be 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit. Pass --id.`,
      true,
    );
  }
  for (const l of req.languages ?? []) {
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(l)) throw new PackInputError(`--lang "${l}" is not a language code such as hi, en or en-IN.`, true);
  }
  const files = await listBundleFiles(req.dir);
  if (files.length === 0) throw new PackInputError(`${req.dir} has no files to pack (dotfiles are left out).`);
  for (const f of files) {
    if (!isSafePath(`${kind}/${f}`)) throw new PackInputError(`Cannot pack "${f}": its path is too long or has characters a bundle path cannot hold.`);
  }
  const roles: Record<string, string> = {};
  for (const spec of req.roles ?? []) {
    const [name, path] = resolveRole(spec, kind, files);
    roles[name] = path;
  }
  if (!(kind in roles)) roles[kind] = defaultRole(kind, files);
  const requires: PackInput['requires'] = {};
  if (req.requiresWebgpu) requires.webgpu = true;
  if (req.memoryMB !== undefined) requires.memoryMB = req.memoryMB;
  const dir = resolve(req.dir);
  const packFiles: PackFile[] = files.map((f) => ({ path: `${kind}/${f}`, source: join(dir, ...f.split('/')) }));
  return {
    id,
    kind,
    version: req.version,
    languages: req.languages ?? [],
    ...(req.minAppVersion !== undefined ? { minAppVersion: req.minAppVersion } : {}),
    requires,
    roles,
    ...(req.chunkSize !== undefined ? { chunkSize: req.chunkSize } : {}),
    files: packFiles,
  };
}
