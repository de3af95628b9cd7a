import { fileURLToPath } from 'node:url';
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

/**
 * transformers.js imports onnxruntime-web/webgpu, whose bundle carries its own 27 MB asyncify wasm. The app
 * runs every model on one runtime (src/speech/onnx.ts, registered for transformers.js too), so that import
 * is pointed at the plain wasm build and the unused file is never shipped.
 */
const ortWebgpuToWasm = {
  find: /^onnxruntime-web\/webgpu$/,
  replacement: fileURLToPath(new URL('./node_modules/onnxruntime-web/dist/ort.wasm.bundle.min.mjs', import.meta.url)),
};

export default defineConfig({
  plugins: [noEspeakWasmAsset],
  resolve: { alias: [ortWebgpuToWasm] },
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
