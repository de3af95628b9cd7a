/**
 * WebLLM loads a model by URL (its config, tokenizer, weight shards and model library). Pointing those URLs at
 * the service worker's store route (`<scope>store/<id>/<version>/…`, src/sw/sw.ts) means every shard WebLLM
 * reads comes from the verified, encrypted store, never from a model hub. WebLLM's own `integrity` option
 * does not cover weight shards; the store verifies each chunk against the signed manifest instead.
 */
import type { BundleMetadata } from './metadata.ts';
import { BundleError } from './source.ts';

/** The part of WebLLM's ModelRecord this app fills in (see @mlc-ai/web-llm's AppConfig.model_list). */
export interface WebLlmModelRecord {
  model: string;
  model_id: string;
  model_lib: string;
  vram_required_MB?: number;
}

/** WebLLM appends "resolve/main/" to a model URL (Hugging Face layout); the store route drops it again. */
const RESOLVE = 'resolve/main/';

/** Each path segment is percent-encoded ("#", "?", "%" in a file name stay part of it); the slashes stay. */
export function storeUrl(scope: string, id: string, version: string, path = ''): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return new URL(`store/${encodeURIComponent(id)}/${encodeURIComponent(version)}/${encoded}`, scope).href;
}

/** The bundle path a store-route request names, with WebLLM's "resolve/main/" segment removed. */
export function storeRequestPath(requested: string, manifest: Pick<BundleMetadata, 'files'>): string {
  if (manifest.files.some((f) => f.path === requested)) return requested;
  const at = requested.indexOf(RESOLVE);
  if (at >= 0 && (at === 0 || requested[at - 1] === '/')) return requested.slice(0, at) + requested.slice(at + RESOLVE.length);
  return requested;
}

/** A ModelRecord for an installed `llm` bundle whose `llm` role is a folder in MLC's layout. */
export function webllmModelRecord(scope: string, m: BundleMetadata): WebLlmModelRecord {
  const prefix = m.roles.llm;
  if (m.kind !== 'llm' || prefix === undefined || (prefix !== '' && !prefix.endsWith('/'))) {
    throw new BundleError(`Bundle "${m.id}" is not a language-model bundle with an "llm" folder. Install an MLC model bundle.`);
  }
  const inFolder = m.files.map((f) => f.path).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  if (!inFolder.includes('mlc-chat-config.json')) {
    throw new BundleError(`Bundle "${m.id}" ${m.version} has no mlc-chat-config.json under "${prefix}": it is not an MLC model. Re-pack it from the model's folder.`);
  }
  const libs = inFolder.filter((p) => p.endsWith('.wasm'));
  if (libs.length !== 1) {
    throw new BundleError(`Bundle "${m.id}" ${m.version} needs exactly one model library (.wasm) under "${prefix}", found ${libs.length}. Add the WebGPU library the model was compiled with.`);
  }
  return {
    model: storeUrl(scope, m.id, m.version, `${prefix}${RESOLVE}`),
    model_id: `${m.id}@${m.version}`,
    model_lib: storeUrl(scope, m.id, m.version, `${prefix}${libs[0]}`),
    ...(m.requires.memoryMB ? { vram_required_MB: m.requires.memoryMB } : {}),
  };
}
