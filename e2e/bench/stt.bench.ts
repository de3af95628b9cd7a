/**
 * Speech-recognition benchmark of the installed default model on the held-out synthetic test set
 * (tools/stt/heldout.json: sentences and voice variants never used in training):
 * - CER and WER per language (hi, en, hinglish) with the app's own engine in Node;
 * - real-time factor on onnxruntime-web wasm in Node and in Chromium (the app's STT worker);
 * - memory of the STT worker in Chromium (performance.measureUserAgentSpecificMemory, cross-origin isolated)
 *   and the Node process's RSS growth while transcribing.
 * Needs Debian's espeak-ng and sox and /usr/bin/python3 to re-synthesize the held-out audio.
 *   npm run bench:stt  [-- --limit 60]   (items per language; 0 = all)
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseWav } from '../../src/audio/wav.ts';
import { resample } from '../../src/audio/resample.ts';
import { openDefaultBundle } from '../../src/bundles/node-source.ts';
import { BANK_TERMS } from '../../src/speech/stt/bank-terms.ts';
import { selectSttEngine } from '../../src/speech/stt/engine.ts';
import { describe as stats } from '../../src/telemetry/stats.ts';
import { launch, waitReady } from '../harness.ts';
import { errorCounts, sumCounts, type ErrorCounts } from './error-rate.ts';

const { values } = parseArgs({ options: { limit: { type: 'string', default: '100' }, browser: { type: 'string', default: '12' } } });
const dir = await mkdtemp(join(tmpdir(), 'va-heldout-'));
console.log(`Re-synthesizing the held-out set (${values.limit} per language) into ${dir}…`);
execFileSync('/usr/bin/python3', ['tools/stt/synth_heldout.py', '--out', dir, '--limit', values.limit!], { stdio: ['ignore', 'ignore', 'inherit'] });
const items = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Array<{ id: string; lang: string; text: string; voice: string; wav: string }>;

const audio = new Map<string, Float32Array>();
for (const it of items) {
  const wav = parseWav(new Uint8Array(await readFile(join(dir, it.wav))));
  audio.set(it.id, wav.sampleRate === 16000 ? wav.samples : resample(wav.samples, wav.sampleRate, 16000));
}

const engine = await selectSttEngine(await openDefaultBundle());
const rssBefore = process.memoryUsage().rss;
const perLang = new Map<string, ErrorCounts[]>();
const rtf: number[] = [];
const worst: Array<{ cer: number; ref: string; hyp: string }> = [];
for (const it of items) {
  const samples = audio.get(it.id)!;
  const t0 = performance.now();
  const t = await engine.transcribe(samples);
  const ms = performance.now() - t0;
  rtf.push(ms / ((samples.length / 16000) * 1000));
  const c = errorCounts(it.text, t.text);
  perLang.set(it.lang, [...(perLang.get(it.lang) ?? []), c]);
  worst.push({ cer: c.chars ? c.charErrors / c.chars : 0, ref: it.text, hyp: t.text });
}
const rssGrowth = (process.memoryUsage().rss - rssBefore) / 1e6;

// As the app decodes a final transcript: beam search favouring bank terms.
const beamCounts = new Map<string, ErrorCounts[]>();
const beamRtf: number[] = [];
for (const it of items) {
  const samples = audio.get(it.id)!;
  const t0 = performance.now();
  const t = await engine.transcribe(samples, { beam: 8, hotwords: BANK_TERMS });
  beamRtf.push((performance.now() - t0) / ((samples.length / 16000) * 1000));
  beamCounts.set(it.lang, [...(beamCounts.get(it.lang) ?? []), errorCounts(it.text, t.text)]);
}

console.log(`\nHeld-out synthetic test set, engine "${engine.name}", greedy CTC, Node (onnxruntime-web wasm, 1 thread)\n`);
console.log('lang       utterances   CER      WER');
const all: ErrorCounts[] = [];
for (const [lang, counts] of [...perLang].sort()) {
  const s = sumCounts(counts);
  all.push(...counts);
  console.log(`${lang.padEnd(10)} ${String(counts.length).padStart(10)}   ${(100 * s.cer).toFixed(1).padStart(5)}%  ${(100 * s.wer).toFixed(1).padStart(5)}%`);
}
const total = sumCounts(all);
console.log(`${'all'.padEnd(10)} ${String(all.length).padStart(10)}   ${(100 * total.cer).toFixed(1).padStart(5)}%  ${(100 * total.wer).toFixed(1).padStart(5)}%`);
console.log('\nbeam 8 + bank-term hotwords (what the app uses for final transcripts):');
for (const [lang, counts] of [...beamCounts].sort()) {
  const s = sumCounts(counts);
  console.log(`${lang.padEnd(10)} ${String(counts.length).padStart(10)}   ${(100 * s.cer).toFixed(1).padStart(5)}%  ${(100 * s.wer).toFixed(1).padStart(5)}%`);
}
const beamAll = sumCounts([...beamCounts.values()].flat());
console.log(`${'all'.padEnd(10)} ${String(items.length).padStart(10)}   ${(100 * beamAll.cer).toFixed(1).padStart(5)}%  ${(100 * beamAll.wer).toFixed(1).padStart(5)}%   real-time factor median ${stats(beamRtf).median?.toFixed(4)}`);
const r = stats(rtf);
console.log(`\nreal-time factor in Node: median ${r.median?.toFixed(4)}, p95 ${r.p95?.toFixed(4)}; RSS growth while transcribing ${rssGrowth.toFixed(0)} MB`);
console.log('\nworst utterances:');
for (const w of worst.sort((a, b) => b.cer - a.cer).slice(0, 5)) console.log(`  CER ${(100 * w.cer).toFixed(0)}%  said ${JSON.stringify(w.ref)}  heard ${JSON.stringify(w.hyp)}`);

// The same engine in Chromium, in the app's STT worker.
const h = await launch({ path: '/?handsFree=0', extraArgs: ['--enable-blink-features=ForceEagerMeasureMemory'] });
try {
  await waitReady(h.page);
  const browserRtf: number[] = [];
  for (const it of items.slice(0, Number(values.browser))) {
    const samples = Array.from(audio.get(it.id)!);
    const ms = await h.page.evaluate(async ([s]) => {
      const t0 = performance.now();
      await __va.transcribe(s as number[]);
      return performance.now() - t0;
    }, [samples] as const);
    browserRtf.push(ms / ((samples.length / 16000) * 1000));
  }
  const b = stats(browserRtf.slice(1)); // the first call includes warm-up
  console.log(`\nreal-time factor in Chromium (STT worker, incl. worker hop): median ${b.median?.toFixed(4)}, p95 ${b.p95?.toFixed(4)} over ${browserRtf.length - 1} utterances`);
  const mem = (await h.page.evaluate(() => __va.memory())) as
    | { bytes: number; breakdown: Array<{ bytes: number; attribution: Array<{ url: string; scope: string }> }> }
    | undefined;
  if (mem) {
    const byWorker = new Map<string, number>();
    for (const e of mem.breakdown) {
      for (const a of e.attribution) {
        const name = a.scope === 'DedicatedWorkerGlobalScope' ? (a.url.match(/(\w+)\.worker/)?.[1] ?? a.url) : a.scope;
        byWorker.set(name, (byWorker.get(name) ?? 0) + e.bytes / Math.max(1, e.attribution.length));
      }
    }
    console.log(`memory (measureUserAgentSpecificMemory, after transcribing): total ${(mem.bytes / 1e6).toFixed(0)} MB`);
    for (const [name, bytes] of [...byWorker].sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(28)} ${(bytes / 1e6).toFixed(1)} MB`);
  } else console.log('memory: measureUserAgentSpecificMemory is not available in this browser');
} finally {
  await h.close();
}
