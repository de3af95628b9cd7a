/**
 * Where a bundle's files come from. Every model and index reaches an engine through a BundleSource,
 * so the embedded default and a bundle installed by the sync client share one loading path.
 */
export interface BundleFile {
  /** Path inside the bundle, e.g. "vad/silero_vad_v5.onnx". */
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the plain file. */
  sha256: string;
}

export type BundleKind = 'vad' | 'stt' | 'tts' | 'llm' | 'embeddings' | 'kb' | 'default';

export interface BundleManifest {
  id: string;
  kind: BundleKind;
  version: string;
  languages: string[];
  /** Which file serves which role, e.g. { "vad": "vad/silero_vad_v5.onnx", "kb": "kb/gold-loan.json" }. */
  roles: Record<string, string>;
  files: BundleFile[];
}

export interface BundleSource {
  readonly manifest: BundleManifest;
  /** Bytes of one file, verified against the manifest's SHA-256 before they are returned. */
  read(path: string): Promise<Uint8Array>;
  /** The file that serves a role ("vad", "kb", …); throws a clear error if the bundle has none. */
  readRole(role: string): Promise<Uint8Array>;
}

export class BundleError extends Error {
  override name = 'BundleError';
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks a manifest's shape; the message says which field is wrong so an operator can fix the bundle. */
export function parseManifest(json: unknown, where: string): BundleManifest {
  const m = json as Partial<BundleManifest> | null;
  const bad = (what: string) =>
    new BundleError(`Bundle manifest at ${where} is invalid: ${what}. Re-pack the bundle or reinstall the app.`);
  if (!m || typeof m !== 'object') throw bad('not a JSON object');
  if (typeof m.id !== 'string' || !m.id) throw bad('missing "id"');
  if (typeof m.version !== 'string') throw bad('missing "version"');
  if (!Array.isArray(m.files)) throw bad('missing "files"');
  for (const f of m.files) {
    if (typeof f?.path !== 'string' || typeof f.size !== 'number' || !/^[0-9a-f]{64}$/.test(f.sha256 ?? '')) {
      throw bad(`file entry ${JSON.stringify(f)} needs path, size and sha256`);
    }
  }
  if (!m.roles || typeof m.roles !== 'object') throw bad('missing "roles"');
  return { languages: [], kind: 'default', ...m } as BundleManifest;
}

/** Shared verification for every source: size and SHA-256 must match the manifest. */
export abstract class VerifyingSource implements BundleSource {
  constructor(readonly manifest: BundleManifest, protected readonly where: string) {}

  protected abstract fetchBytes(path: string): Promise<Uint8Array>;

  async read(path: string): Promise<Uint8Array> {
    const entry = this.manifest.files.find((f) => f.path === path);
    if (!entry) {
      throw new BundleError(`Bundle "${this.manifest.id}" has no file "${path}". Install a bundle that provides it.`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.fetchBytes(path);
    } catch (e) {
      throw new BundleError(
        `Could not read "${path}" from bundle "${this.manifest.id}" at ${this.where}: ${(e as Error).message}. ` +
          'Check that the app was installed completely, then reload.',
      );
    }
    if (bytes.byteLength !== entry.size || (await sha256Hex(bytes)) !== entry.sha256) {
      throw new BundleError(
        `File "${path}" in bundle "${this.manifest.id}" is corrupt (size or SHA-256 does not match the manifest). ` +
          'It was not used. Reinstall the bundle.',
      );
    }
    return bytes;
  }

  readRole(role: string): Promise<Uint8Array> {
    const path = this.manifest.roles[role];
    if (!path) {
      throw new BundleError(`Bundle "${this.manifest.id}" has no "${role}" model. Install a bundle that provides one.`);
    }
    return this.read(path);
  }
}

/** A bundle served over HTTP (the embedded default under /models/default/, served and cached by the SW). */
export class FetchSource extends VerifyingSource {
  static async open(baseUrl: string): Promise<FetchSource> {
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    const res = await fetch(`${base}manifest.json`);
    if (!res.ok) {
      throw new BundleError(`No bundle manifest at ${base} (HTTP ${res.status}). The default models are missing; reinstall the app.`);
    }
    return new FetchSource(parseManifest(await res.json(), base), base);
  }

  protected async fetchBytes(path: string): Promise<Uint8Array> {
    const res = await fetch(`${this.where}${path}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}
