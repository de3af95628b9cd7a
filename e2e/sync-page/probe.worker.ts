/** Plays an engine worker: opens a bundle by its BundleRef (as the app passes it) and reads a file. */
import * as Comlink from 'comlink';
import type { BundleRef } from '../../src/bundles/client/status.ts';
import { sha256Hex } from '../../src/bundles/source.ts';
import { openBundleSource } from '../../src/bundles/store-source.ts';

const api = {
  async read(ref: BundleRef, path: string): Promise<{ size: number; sha256: string; head: string }> {
    const source = await openBundleSource(ref);
    const bytes = await source.read(path);
    return { size: bytes.byteLength, sha256: await sha256Hex(bytes), head: new TextDecoder().decode(bytes.subarray(0, 40)) };
  },
};

export type ProbeApi = typeof api;
Comlink.expose(api);
