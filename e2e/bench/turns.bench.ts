/**
 * Latency benchmark (headless Chromium, the built app): for each typed question, the time from submit to
 * the first reply audio sample played, split by stage. Prints median and p95; no pass/fail.
 *   npm run bench  [-- --turns 40]
 */
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { summarize, type StageName, type TurnTraceJSON } from '../../src/telemetry/spans.ts';
import { describe as stats } from '../../src/telemetry/stats.ts';
import { launch, waitReady } from '../harness.ts';

const QUESTIONS = [
  'What documents do I need for a gold loan?',
  'गोल्ड लोन के लिए कौन से दस्तावेज़ चाहिए?',
  'What is the interest rate on a gold loan?',
  'गोल्ड लोन पर ब्याज दर क्या है?',
  'Gold loan ke liye kya documents chahiye?',
  'How much loan can I get on 20 grams of 22 carat gold?',
  'EMI for 2 lakh at 10% for 12 months',
  'Is my gold safe with the bank?',
  'मेरा सोना कितना सुरक्षित है?',
  'What happens if I miss a payment?',
  'Can I repay part of the loan early?',
  'नीलामी कब होती है?',
  'How long does the branch process take?',
  'Who is eligible for a gold loan?',
  'Kitna loan milega 50 gram sone par?',
  'How do you test the purity of my gold?',
  'Can I renew or top up my gold loan?',
  'What is the loan to value ratio?',
  'लोन कैसे बंद करें?',
  'What are the processing fees?',
];

const { values } = parseArgs({ options: { turns: { type: 'string', default: '24' } } });
const turns = Math.max(20, Number(values.turns));

async function oneTurn(page: Page, question: string): Promise<{ trace: TurnTraceJSON; tapFirst: number | null }> {
  await page.evaluate(() => __va.resetTap());
  const before = await page.evaluate(() => __va.traces().length);
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
  // Once the first audio has played the figure is in; stop the reply (talk button) to go on quickly.
  await page.waitForFunction(() => (__va.tap()?.firstNonSilentAt ?? null) !== null && __va.state() === 'speaking', undefined, { timeout: 30_000 });
  await page.click('#talk');
  await page.waitForFunction((n) => __va.traces().length > n && !__va.busy(), before);
  const trace = await page.evaluate(() => __va.traces().at(-1)!);
  const tapFirst = await page.evaluate(() => __va.tap()?.firstNonSilentAt ?? null);
  return { trace, tapFirst: tapFirst === null ? null : tapFirst - trace.origin };
}

const fmt = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} ms`.padStart(10));

const h = await launch({ path: '/?mode=field&handsFree=0' });
try {
  await waitReady(h.page);
  const results: Array<{ trace: TurnTraceJSON; tapFirst: number | null }> = [];
  for (let i = 0; i < turns; i++) results.push(await oneTurn(h.page, QUESTIONS[i % QUESTIONS.length]!));
  const [first, ...rest] = results;
  const traces = rest.map((r) => r.trace);
  const summary = summarize(traces);
  const toFirstAudio = stats(traces.map((t) => t.marks['first-audio-played']!).filter((v) => v !== undefined));
  const toRendered = stats(rest.map((r) => r.tapFirst).filter((v): v is number => v !== null));

  console.log(`\nTyped turns in headless Chromium: ${traces.length} warm turns (+1 first turn reported apart)\n`);
  console.log('stage                                   median         p95');
  const rows: Array<[string, StageName]> = [
    ['submit → retrieval done (worker hop)', 'retrieval'],
    ['retrieval → first reply sentence', 'reply'],
    ['first sentence → first TTS audio', 'tts'],
    ['TTS audio → first sample played', 'playback'],
  ];
  for (const [label, stage] of rows) {
    const s = summary.stages[stage];
    console.log(`${label.padEnd(38)} ${fmt(s.median)}  ${fmt(s.p95)}`);
  }
  console.log(`${'submit → first sample played'.padEnd(38)} ${fmt(toFirstAudio.median)}  ${fmt(toFirstAudio.p95)}`);
  console.log(`${'submit → first sound at output tap'.padEnd(38)} ${fmt(toRendered.median)}  ${fmt(toRendered.p95)}`);
  console.log(`\nfirst turn after load: submit → first sample played ${fmt(first!.trace.marks['first-audio-played'] ?? null)}`);
  const failed = results.filter((r) => r.trace.failure).length;
  if (failed) console.log(`${failed} turn(s) failed: ${results.find((r) => r.trace.failure)?.trace.failure?.message}`);
} finally {
  await h.close();
}
