import { describe, expect, it } from 'vitest';
import type { BundleMetadata } from '../../src/bundles/metadata.ts';
import { storeRequestPath, storeUrl, webllmModelRecord } from '../../src/bundles/webllm.ts';

const file = (path: string) => ({ path, size: 1, sha256: '0'.repeat(64), blob: '0'.repeat(64), encSize: 29, chunks: ['0'.repeat(64)] });
const llm = (paths: string[], patch: Partial<BundleMetadata> = {}): BundleMetadata => ({
  type: 'bundle', spec: 1, id: 'qwen-0.5b', kind: 'llm', version: '1.0.0', languages: ['hi', 'en'], created: '2026-11-26T00:00:00Z',
  minAppVersion: '0.1.0', requires: { webgpu: true, memoryMB: 900 }, roles: { llm: 'llm/' }, chunkSize: 1 << 20, files: paths.map(file), ...patch,
});
const MLC = ['llm/mlc-chat-config.json', 'llm/ndarray-cache.json', 'llm/params_shard_0.bin', 'llm/tokenizer.json', 'llm/model-webgpu.wasm'];

describe('WebLLM through the verified store', () => {
  it('points the model, its shards and its library at the store route', () => {
    const r = webllmModelRecord('https://kiosk.bank.local/', llm(MLC));
    expect(r.model).toBe('https://kiosk.bank.local/store/qwen-0.5b/1.0.0/llm/resolve/main/');
    expect(r.model_lib).toBe('https://kiosk.bank.local/store/qwen-0.5b/1.0.0/llm/model-webgpu.wasm');
    expect(r.vram_required_MB).toBe(900);
    // WebLLM resolves each file against the model URL; the store route maps it back to the bundle path.
    const shard = new URL('params_shard_0.bin', r.model).pathname.replace('/store/qwen-0.5b/1.0.0/', '');
    expect(storeRequestPath(shard, llm(MLC))).toBe('llm/params_shard_0.bin');
  });
  it('encodes each path segment, keeping the slashes', () => {
    const u = storeUrl('https://x/app/', 'kb', '1.0.0', 'docs/a #1?%.json');
    expect(u).toBe('https://x/app/store/kb/1.0.0/docs/a%20%231%3F%25.json');
    const segments = new URL(u).pathname.split('/').slice(5).map(decodeURIComponent);
    expect(segments).toEqual(['docs', 'a #1?%.json']);
  });
  it('keeps real paths and refuses bundles WebLLM cannot load', () => {
    expect(storeRequestPath('llm/tokenizer.json', llm(MLC))).toBe('llm/tokenizer.json');
    expect(storeRequestPath('llm/notresolve/main/x', llm(MLC))).toBe('llm/notresolve/main/x');
    expect(() => webllmModelRecord('https://x/', llm(MLC.filter((p) => !p.endsWith('.wasm'))))).toThrow(/model library/);
    expect(() => webllmModelRecord('https://x/', llm(MLC.slice(1)))).toThrow(/mlc-chat-config/);
    expect(() => webllmModelRecord('https://x/', llm(MLC, { kind: 'kb' }))).toThrow(/not a language-model bundle/);
  });
});
