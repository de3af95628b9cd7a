import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundleError, parseManifest, VerifyingSource } from './source.ts';

/** A bundle unpacked in a folder on disk: used by the CLI and tests, same verification as in the browser. */
export class DirSource extends VerifyingSource {
  static async open(dir: string): Promise<DirSource> {
    let text: string;
    try {
      text = await readFile(join(dir, 'manifest.json'), 'utf8');
    } catch {
      throw new BundleError(`No bundle manifest in ${dir}. Run "npm run build:bundle" to pack the default bundle.`);
    }
    return new DirSource(parseManifest(JSON.parse(text), dir), dir);
  }

  protected async fetchBytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(join(this.where, path)));
  }
}

/** The embedded default bundle in this checkout (tools/default-bundle: the sources of the embedded default bundles, unpacked). */
export const DEFAULT_BUNDLE_DIR = resolve(fileURLToPath(new URL('../../tools/default-bundle', import.meta.url)));
export const openDefaultBundle = () => DirSource.open(DEFAULT_BUNDLE_DIR);
