import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type AgentEvent, type GroundedResponder } from '../../src/agent/index.ts';
import { speakAmount } from '../../src/agent/numbers.ts';
import { AgentInputError, MAX_QUESTION_CHARS } from '../../src/agent/responder.ts';
import { calculateEmi } from '../../src/agent/tools/emi.ts';
import { DEFAULT_BUNDLE_DIR, DirSource } from '../../src/bundles/node-source.ts';
import { EVAL_QUESTIONS, HELD_OUT_QUESTIONS, OFF_TOPIC } from '../knowledge/eval-questions.ts';

let agent: GroundedResponder;
let createMs = 0;

beforeAll(async () => {
  const t0 = performance.now();
  // The same path the app takes: the verified default bundle's "kb" role.
  agent = await createAgent(await DirSource.open(DEFAULT_BUNDLE_DIR));
  createMs = performance.now() - t0;
});

async function collect(events: AsyncGenerator<AgentEvent>): Promise<AgentEvent[]> {
  const out: AgentEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('GroundedResponder from the default bundle', () => {
  it('answers an English question from the English passage, amounts spoken the Indian way', async () => {
    const r = await agent.answer({ text: 'What are the processing charges?' });
    expect(r.lang).toBe('en');
    expect(r.detected).toBe('en');
    expect(r.handoff).toBe(false);
    expect(r.citations.map((c) => c.id)).toEqual(['gl-interest-fees-en']);
    expect(r.citations[0]!.score).toBeGreaterThan(0);
    // Shown as written, spoken the Indian way.
    expect(r.text).toContain('₹5,000');
    expect(r.text).toContain('9.5%');
    const spoken = r.spoken.join(' ');
    expect(spoken).toContain('5 thousand rupees');
    expect(spoken).toContain('9.5 percent');
    expect(spoken).not.toContain('₹');
    expect(r.sentences.length).toBeGreaterThanOrEqual(2);
    expect(r.spoken.length).toBe(r.sentences.length);
    expect(r.sentences.join(' ')).toBe(r.text);
  });

  it('answers Hinglish in Hindi from the Hindi passage', async () => {
    const r = await agent.answer({ text: 'gold loan ke liye kaun se kagaz chahiye?' });
    expect(r.detected).toBe('hinglish');
    expect(r.lang).toBe('hi');
    expect(r.citations.map((c) => c.id)).toEqual(['gl-documents-hi']);
    expect(r.text).toContain('आधार');
  });

  it('answers Hindi in Hindi, and honours an explicit language', async () => {
    const hi = await agent.answer({ text: 'क्या मेरा सोना सुरक्षित रहेगा?' });
    expect(hi.citations[0]?.id).toBe('gl-safety-hi');
    expect(hi.sentences.every((s) => s.endsWith('।'))).toBe(true);
    const en = await agent.answer({ text: 'क्या मेरा सोना सुरक्षित रहेगा?', lang: 'en' });
    expect(en.lang).toBe('en');
    expect(en.detected).toBe('hi');
    expect(en.citations[0]?.id).toBe('gl-safety-en');
  });

  it('runs the EMI tool with the numbers given', async () => {
    const r = await agent.answer({ text: 'What is the EMI for 1 lakh at 12% for 12 months?' });
    expect(r.tool).toBe('emi');
    expect(r.text).toContain('the EMI is ₹8,884.88');
    expect(r.spoken.join(' ')).toContain('the EMI is 8 thousand 884 rupees and 88 paise');
    expect(r.spoken.join(' ')).toContain('6 thousand 618 rupees and 55 paise is interest');
    expect(r.citations.map((c) => c.id)).toContain('gl-interest-fees-en');
  });

  it('uses the EMI scheme rate when no rate is given, and says so (Hindi)', async () => {
    const r = await agent.answer({ text: '2 लाख का लोन 24 महीने के लिए, ईएमआई कितनी होगी?' });
    expect(r.tool).toBe('emi');
    expect(r.lang).toBe('hi');
    const expected = calculateEmi({ principal: 200000, annualRatePct: 9.5, months: 24 });
    expect(r.spoken.join(' ')).toContain(`ईएमआई ${speakAmount(expected.emi, 'hi')} होगी`);
    expect(r.text).toContain('ईएमआई ₹9,182.90 होगी');
    expect(r.spoken.join(' ')).toContain('ईएमआई योजना की 9.5 प्रतिशत');
  });

  it('notes a tenure outside the scheme', async () => {
    const r = await agent.answer({ text: 'emi for 1 lakh for 60 months' });
    expect(r.text).toContain('Note that our EMI scheme runs from 6 to 36 months.');
  });

  it('asks for a missing slot and still cites the relevant passage', async () => {
    const r = await agent.answer({ text: 'Calculate my EMI please' });
    expect(r.tool).toBe('emi');
    expect(r.text).toMatch(/please tell me the loan amount and the tenure/);
    expect(r.citations[0]?.id).toBe('gl-repayment-en');
    const onlyTenure = await agent.answer({ text: 'emi on 3 lakh kitni hogi?' });
    expect(onlyTenure.text).toContain('कितने महीनों');
    expect(onlyTenure.text).not.toContain('राशि बताइए');
  });

  it('rejects impossible EMI inputs with a clear answer', async () => {
    const r = await agent.answer({ text: 'EMI for 1 lakh at 90% for 12 months' });
    expect(r.text).toContain('interest rate must be between 0 and 60 percent');
  });

  it('runs the eligibility tool: 50 g of 22 karat', async () => {
    const r = await agent.answer({ text: 'I have 50 grams of 22 carat gold, how much loan can I get?' });
    expect(r.tool).toBe('eligibility');
    expect(r.text).toContain('worth ₹3,30,000');
    expect(r.spoken.join(' ')).toContain('worth 3 lakh 30 thousand rupees');
    expect(r.spoken.join(' ')).toContain('up to 2 lakh 47 thousand 500 rupees');
    expect(r.citations.map((c) => c.id)).toEqual(['gl-ltv-en', 'gl-gold-rate-en']);
  });

  it('asks for the karat when only the weight is given (Hinglish → Hindi)', async () => {
    const r = await agent.answer({ text: 'mere paas 40 gram sona hai, kitna loan milega?' });
    expect(r.tool).toBe('eligibility');
    expect(r.lang).toBe('hi');
    expect(r.text).toContain('शुद्धता कैरेट में बताइए');
    expect(r.spoken.join(' ')).toContain('10 हज़ार रुपये से 25 लाख रुपये');
    expect(r.citations[0]?.id).toBe('gl-ltv-hi');
  });

  it('refuses gold outside 14–24 karat and explains why', async () => {
    const r = await agent.answer({ text: '10 grams of 10 carat gold, how much loan?' });
    expect(r.text).toContain('We lend on gold of 14 to 24 karat, so 10 karat gold cannot be accepted.');
  });

  it('hands off off-topic questions to a person', async () => {
    for (const q of OFF_TOPIC) {
      const r = await agent.answer({ text: q });
      expect(r.handoff, q).toBe(true);
      expect(r.citations, q).toEqual([]);
      expect(r.text, q).toMatch(/bank officer|बैंक अधिकारी/);
    }
  });

  it('rejects empty and over-long questions with clear errors', async () => {
    await expect(agent.answer({ text: '   ' })).rejects.toThrow(AgentInputError);
    await expect(agent.answer({ text: '' })).rejects.toThrow(/empty/);
    await expect(agent.answer({ text: 'a'.repeat(MAX_QUESTION_CHARS + 1) })).rejects.toThrow(/limit is 1000/);
    await expect(agent.answer({ text: 'interest', lang: 'fr' as 'hi' })).rejects.toThrow(/Use "hi" or "en"/);
    // Exactly at the limit is accepted.
    await expect(agent.answer({ text: `interest rate ${'x'.repeat(MAX_QUESTION_CHARS - 14)}` })).resolves.toBeTruthy();
  });

  it('streams meta, then sentences in order, then done', async () => {
    const events = await collect(agent.stream({ text: 'What happens at the auction?' }));
    expect(events[0]?.type).toBe('meta');
    const sentences = events.filter((e) => e.type === 'sentence');
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.map((e) => e.index)).toEqual(sentences.map((_, i) => i));
    const last = events.at(-1);
    expect(last?.type).toBe('done');
    expect(last?.type === 'done' && last.text).toBe(sentences.map((e) => e.text).join(' '));
    expect(events.length).toBe(sentences.length + 2);
  });

  it('stops streaming when aborted', async () => {
    const controller = new AbortController();
    const seen: AgentEvent[] = [];
    for await (const e of agent.stream({ text: 'What happens at the auction?' }, controller.signal)) {
      seen.push(e);
      if (e.type === 'sentence') controller.abort();
    }
    expect(seen.map((e) => e.type)).toEqual(['meta', 'sentence']);
  });

  it('answers every evaluation question, citing passages in the reply language', async () => {
    const times: number[] = [];
    let fromPassages = 0;
    let rightTopic = 0;
    for (const { q, topic } of [...EVAL_QUESTIONS, ...HELD_OUT_QUESTIONS]) {
      const t0 = performance.now();
      const r = await agent.answer({ text: q });
      times.push(performance.now() - t0);
      expect(r.handoff, q).toBe(false);
      expect(r.citations.length, q).toBeGreaterThan(0);
      expect(r.citations.every((c) => c.id.endsWith(`-${r.lang}`)), q).toBe(true);
      if (!r.tool) {
        fromPassages++;
        if (r.citations[0]!.id === `${topic}-${r.lang}`) rightTopic++;
      }
    }
    // The retrieval tests hold the per-set thresholds; here: the whole answer path agrees with them.
    expect(rightTopic / fromPassages).toBeGreaterThanOrEqual(0.9);
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const p95 = times[Math.floor(times.length * 0.95)]!;
    console.log(`[agent] createAgent (read+verify kb, build index, warm-up) ${createMs.toFixed(1)} ms; answer() median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms, max ${times.at(-1)!.toFixed(3)} ms over ${times.length} questions; passage answers on the expected topic ${rightTopic}/${fromPassages}`);
  });
});
