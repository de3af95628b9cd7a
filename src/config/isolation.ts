/**
 * Cross-origin isolation (SharedArrayBuffer, threaded wasm). Threaded onnxruntime-web hangs unless the page
 * AND every worker, wasm and module asset carry these, so the dev server and the product server share them.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;
