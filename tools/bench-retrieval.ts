/**
 * Retrieval and answer speed of the embedded default agent in Node (the work on the critical path between a
 * question and its first sentence): index build, search, and whole answers over the evaluation questions.
 * Run: npx tsx tools/bench-retrieval.ts
 */
import { createAgent } from '../src/agent/index.ts';
import { openDefaultBundle } from '../src/bundles/node-source.ts';
import { kbFromBytes } from '../src/knowledge/kb.ts';
import { Retriever } from '../src/knowledge/retriever.ts';
import { describe } from '../src/telemetry/stats.ts';
import { EVAL_QUESTIONS, HELD_OUT_QUESTIONS } from '../test/knowledge/eval-questions.ts';

const source = await openDefaultBundle();
const kb = kbFromBytes(await source.readRole('kb'));
const questions = [...EVAL_QUESTIONS, ...HELD_OUT_QUESTIONS].map((e) => e.q);

const builds = Array.from({ length: 7 }, () => new Retriever(kb).buildMs);
const retriever = new Retriever(kb);
const searches: number[] = [];
for (let round = 0; round < 5; round++) for (const q of questions) searches.push(retriever.search(q).ms);

const t0 = performance.now();
const agent = await createAgent(source);
const createMs = performance.now() - t0;
const answers: number[] = [];
for (const q of questions) {
  const t = performance.now();
  await agent.answer({ text: q });
  answers.push(performance.now() - t);
}
const f = (s: ReturnType<typeof describe>) => `median ${s.median?.toFixed(3)} ms, p95 ${s.p95?.toFixed(3)} ms`;
console.log(`index build (${kb.passages.length} passages): ${f(describe(builds))}`);
console.log(`search (${searches.length} queries): ${f(describe(searches))}`);
console.log(`createAgent (read + verify kb, index, warm-up): ${createMs.toFixed(1)} ms`);
console.log(`answer() (${answers.length} questions): ${f(describe(answers))}`);
