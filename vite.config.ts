import { defineConfig, type Plugin } from 'vitest/config';
import { isolationHeaders } from './src/config/isolation.ts';

/**
 * eSpeak NG's glue names its wasm with `new URL('espeak-ng.wasm', import.meta.url)`, so Vite would copy the
 * 18 MB file into the build a second time. The engine passes the bundle's verified copy instead (one
 * loading path), so the reference is dropped.
 */
const noEspeakWasmAsset: Plugin = {
  name: 'no-espeak-wasm-asset',
  enforce: 'pre',
  transform(code, id) {
    if (!id.includes('espeak-ng/dist/espeak-ng.js')) return null;
    return { code: code.replace("new URL('espeak-ng.wasm', import.meta.url).href", "'espeak-ng.wasm'"), map: null };
  },
};

export default defineConfig({
  plugins: [noEspeakWasmAsset],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [noEspeakWasmAsset] },
  optimizeDeps: { exclude: ['onnxruntime-web', 'espeak-ng'] },
  build: {
    target: 'es2022',
    outDir: 'dist',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], environment: 'node', testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
