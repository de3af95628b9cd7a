/**
 * Checks the exported default speech model with the app's runtime (onnxruntime-web, wasm, in Node): its
 * logprobs must match the torch model's on the inputs train.py saved in tools/stt/.cache/verify.json.
 *
 *   npx tsx tools/stt/verify-onnx.ts [model.onnx] [verify.json]
 *
 * Also times a 5 s utterance (wasm, 1 thread) and writes the figures next to verify.json as ort.json, which
 * tools/stt/model_card.py quotes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createSession, ort } from '../../src/speech/onnx.ts';

interface VerifyCase {
  dims: [number, number, number];
  audio_signal: number[];
  length: number[];
  logprobs_dims: [number, number, number];
  logprobs: number[];
}

const modelPath = process.argv[2] ?? 'tools/default-bundle/stt/model.onnx';
const casePath = process.argv[3] ?? 'tools/stt/.cache/verify.json';
const c = JSON.parse(await readFile(casePath, 'utf8')) as VerifyCase;
const session = await createSession(new Uint8Array(await readFile(modelPath)), 'default speech');
const t0 = performance.now();
const out = await session.run({
  audio_signal: new ort.Tensor('float32', Float32Array.from(c.audio_signal), c.dims),
  length: new ort.Tensor('int64', BigInt64Array.from(c.length.map((n) => BigInt(n))), [c.length.length]),
});
const ms = performance.now() - t0;
const lp = out['logprobs'];
if (!lp) throw new Error(`model has no "logprobs" output (outputs: ${Object.keys(out).join(', ')})`);
if (lp.dims.join(',') !== c.logprobs_dims.join(',')) {
  throw new Error(`logprobs dims ${lp.dims.join('x')} differ from torch's ${c.logprobs_dims.join('x')}`);
}
const got = lp.data as Float32Array;
let maxDiff = 0;
for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs((got[i] ?? 0) - (c.logprobs[i] ?? 0)));
const audioSeconds = c.dims[2] * 0.01 * c.dims[0];
console.log(`outputs ${session.outputNames.join(',')}; logprobs ${lp.dims.join('x')}; max |ort − torch| = ${maxDiff.toExponential(2)}`);
console.log(`run ${ms.toFixed(1)} ms for ${audioSeconds.toFixed(2)} s of audio (first run, includes warm-up)`);
if (maxDiff > 1e-3) throw new Error(`onnxruntime-web and torch disagree by ${maxDiff}: the export is wrong`);

// Speed on the app's runtime (wasm, 1 thread): a 5 s utterance, warm, B = 1.
const frames = 501;
const one = {
  audio_signal: new ort.Tensor('float32', Float32Array.from({ length: 80 * frames }, (_, i) => Math.sin(i * 0.37)), [1, 80, frames]),
  length: new ort.Tensor('int64', BigInt64Array.from([BigInt(frames)]), [1]),
};
await session.run(one);
const runs = 10;
const t1 = performance.now();
for (let i = 0; i < runs; i++) await session.run(one);
const perRun = (performance.now() - t1) / runs;
const rtf = perRun / 5000;
console.log(`5.0 s of audio: ${perRun.toFixed(1)} ms a run, real-time factor ${rtf.toFixed(4)} (wasm, 1 thread)`);
await writeFile(
  join(dirname(casePath), 'ort.json'),
  JSON.stringify({ maxAbsDiff: maxDiff, msPer5s: perRun, rtf, runtime: 'onnxruntime-web wasm, 1 thread, Node' }),
);
console.log('OK');
