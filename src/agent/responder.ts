/**
 * The embedded default agent: a grounded responder with no generative model. It answers from the
 * knowledge base's passages (in the reply language) or from a tool (EMI, eligibility), always citing
 * the passages it rests on, and offers a person when nothing relevant is found.
 */
import type { InputLang, Lang } from '../config/lang.ts';
import type { KnowledgeBase, Passage, Scheme } from '../knowledge/kb.ts';
import { Retriever, type Retrieval, type RetrieverOptions } from '../knowledge/retriever.ts';
import { detectLanguage, replyLanguage } from './language.ts';
import { detectIntent } from './intents.ts';
import { formatRupees, speakAmountsIn } from './numbers.ts';
import { chunkSentences } from './sentences.ts';
import { extractSlots, type Slots } from './slots.ts';
import { speakPercents, TEMPLATES } from './templates.ts';
import { calculateEligibility, validateEligibility } from './tools/eligibility.ts';
import { calculateEmi, validateEmi } from './tools/emi.ts';
import type { Agent, AgentEvent, AgentReply, AgentRequest, Citation } from './types.ts';

export const MAX_QUESTION_CHARS = 1000;

export class AgentInputError extends Error {
  override name = 'AgentInputError';
}

/** Passages the tools rest on; a knowledge base without them still works, the answer just cites less. */
export const TOOL_TOPICS = { emi: ['gl-interest-fees', 'gl-repayment'], eligibility: ['gl-ltv', 'gl-gold-rate'] } as const;

interface Draft {
  sentences: string[];
  citations: Citation[];
  tool?: string;
  handoff: boolean;
}

export class GroundedResponder implements Agent {
  readonly retriever: Retriever;

  constructor(readonly kb: KnowledgeBase, options: RetrieverOptions = {}) {
    this.retriever = new Retriever(kb, options);
  }

  async answer(req: AgentRequest): Promise<AgentReply> {
    const sentences: string[] = [];
    const spoken: string[] = [];
    let meta: Extract<AgentEvent, { type: 'meta' }> | undefined;
    let text = '';
    for await (const event of this.stream(req)) {
      if (event.type === 'meta') meta = event;
      else if (event.type === 'sentence') {
        sentences.push(event.text);
        spoken.push(event.speech);
      }
      else text = event.text;
    }
    if (!meta) throw new Error('The responder produced no reply.');
    const { lang, detected, citations, tool, handoff, retrievalMs } = meta;
    return { text, sentences, spoken, lang, detected, citations, ...(tool ? { tool } : {}), handoff, retrievalMs };
  }

  /** Meta, then one event per sentence, then done. Stops quietly (no "done") when `signal` aborts. */
  async *stream(req: AgentRequest, signal?: AbortSignal): AsyncGenerator<AgentEvent> {
    const question = validateRequest(req);
    const t0 = performance.now();
    const detected: InputLang = detectLanguage(question);
    const lang = replyLanguage(detected, req.lang);
    const draft = this.respond(question, lang);
    const retrievalMs = performance.now() - t0;
    if (signal?.aborted) return;
    yield {
      type: 'meta',
      lang,
      detected,
      citations: draft.citations,
      ...(draft.tool ? { tool: draft.tool } : {}),
      handoff: draft.handoff,
      retrievalMs,
    };
    for (const [index, text] of draft.sentences.entries()) {
      if (signal?.aborted) return;
      yield { type: 'sentence', text, speech: speakable(text, lang), index };
    }
    if (signal?.aborted) return;
    yield { type: 'done', text: draft.sentences.join(' ') };
  }

  /** The whole reply, synchronously: retrieval and tools take well under a millisecond. */
  respond(question: string, lang: Lang): Draft {
    const slots = extractSlots(question);
    const intent = detectIntent(question, slots);
    if (intent.tool === 'emi') return this.emi(slots, lang);
    if (intent.tool === 'eligibility') {
      const filled = intent.perGram && slots.weightGrams === undefined ? { ...slots, weightGrams: 1 } : slots;
      return this.eligibility(filled, lang);
    }
    // Searched only when no tool answers: retrieval is on every passage turn's critical path.
    return this.fromPassages(this.retriever.search(question), lang);
  }

  private fromPassages(retrieval: Retrieval, lang: Lang): Draft {
    const best = retrieval.topics[0];
    const passage = best && retrieval.relevant ? this.retriever.passageFor(best.topic, lang) : undefined;
    if (!best || !passage) return { sentences: TEMPLATES[lang].handoff(), citations: [], handoff: true };
    return {
      sentences: chunkSentences(passage.text),
      citations: [cite(passage, best.score)],
      handoff: false,
    };
  }

  private emi(slots: Slots, lang: Lang): Draft {
    const t = TEMPLATES[lang];
    const product = this.kb.product;
    const scheme = this.scheme();
    const citations = this.toolCitations('emi', lang);
    const missing = [
      ...(slots.amount === undefined ? (['amount'] as const) : []),
      ...(slots.tenureMonths === undefined ? (['tenure'] as const) : []),
    ];
    if (missing.length) {
      // Say what the EMI scheme is, from the knowledge base, then ask for what is missing.
      const repayment = this.retriever.passageFor('gl-repayment', lang);
      const context = repayment ? pickSentence(repayment.text, /emi|ईएमआई/i) : undefined;
      return {
        sentences: [...(context ? [context] : []), t.emiAsk(missing)],
        citations: repayment ? [cite(repayment, 0), ...citations.filter((c) => c.id !== repayment.id)] : citations,
        tool: 'emi',
        handoff: false,
      };
    }
    const input = { principal: slots.amount!, annualRatePct: slots.ratePct ?? scheme.ratePct, months: slots.tenureMonths! };
    const problems = validateEmi(input);
    if (problems.length) {
      return { sentences: [t.emiInvalid(problems.map((p) => p.field))], citations, tool: 'emi', handoff: false };
    }
    const r = calculateEmi(input);
    const sentences = t.emi({
      amount: money(r.principal),
      ratePct: r.annualRatePct,
      months: r.months,
      emi: money(r.emi),
      total: money(r.totalPayable),
      interest: money(r.totalInterest),
      ...(slots.ratePct === undefined ? { defaultScheme: lang === 'hi' ? scheme.nameHi : scheme.name } : {}),
    });
    if (r.months < scheme.tenureMonths.min || r.months > scheme.tenureMonths.max) {
      sentences.splice(-1, 0, t.tenureNote(lang === 'hi' ? scheme.nameHi : scheme.name, scheme.tenureMonths.min, scheme.tenureMonths.max));
    }
    if (r.principal < product.loan.min || r.principal > product.loan.max) {
      sentences.splice(-1, 0, t.amountNote(money(product.loan.min), money(product.loan.max)));
    }
    return { sentences: sentences.filter(Boolean), citations, tool: 'emi', handoff: false };
  }

  private eligibility(slots: Slots, lang: Lang): Draft {
    const t = TEMPLATES[lang];
    const product = this.kb.product;
    const citations = this.toolCitations('eligibility', lang);
    const min = money(product.loan.min);
    const max = money(product.loan.max);
    const missing = [
      ...(slots.weightGrams === undefined ? (['weight'] as const) : []),
      ...(slots.karat === undefined ? (['karat'] as const) : []),
    ];
    if (missing.length) {
      return { sentences: t.eligibilityAsk(missing, product.ltvPct, min, max), citations, tool: 'eligibility', handoff: false };
    }
    const input = { weightGrams: slots.weightGrams!, karat: slots.karat! };
    const problems = validateEligibility(input, product);
    if (problems.length) {
      const sentences = problems.map((p) =>
        p.field === 'karat' ? t.karatInvalid(input.karat, product.karat.min, product.karat.max) : t.weightInvalid(),
      );
      return { sentences, citations, tool: 'eligibility', handoff: false };
    }
    const r = calculateEligibility(input, product);
    const sentences = t.eligibility({
      weightGrams: r.weightGrams,
      karat: r.karat,
      rate: money(r.ratePerGram24k),
      asOf: product.goldRate.asOfText[lang],
      value: money(r.goldValue),
      ltvPct: r.ltvPct,
      ltvAmount: money(r.ltvAmount),
      maxLoan: money(r.maxLoan),
      status: r.status,
      productMin: min,
      productMax: max,
    });
    return { sentences, citations, tool: 'eligibility', handoff: false };
  }

  private scheme(): Scheme {
    const { schemes, defaultScheme } = this.kb.product;
    return schemes.find((s) => s.id === defaultScheme) ?? schemes[0]!;
  }

  private toolCitations(tool: keyof typeof TOOL_TOPICS, lang: Lang): Citation[] {
    return TOOL_TOPICS[tool].flatMap((topic) => {
      const p = this.retriever.passageFor(topic, lang);
      return p ? [cite(p, 0)] : [];
    });
  }
}

function validateRequest(req: AgentRequest): string {
  const question = typeof req?.text === 'string' ? req.text.trim() : '';
  if (!question) throw new AgentInputError('The question is empty. Say or type a question about gold loans.');
  const length = [...question].length;
  if (length > MAX_QUESTION_CHARS) {
    throw new AgentInputError(
      `The question is ${length} characters long; the limit is ${MAX_QUESTION_CHARS}. Please ask a shorter question.`,
    );
  }
  if (req.lang !== undefined && req.lang !== 'hi' && req.lang !== 'en') {
    throw new AgentInputError(`Unsupported reply language "${String(req.lang)}". Use "hi" or "en".`);
  }
  return question;
}

/** Amounts on screen: ₹17,583.18, ₹2,50,000. */
const money = (rupees: number): string => formatRupees(rupees);

const cite = (p: Passage, score: number): Citation => ({ id: p.id, title: p.title, score: Math.round(score * 1000) / 1000 });

/** Text as the voice should read it: "₹2,50,000" → "2 lakh 50 thousand rupees", "9.5%" → "9.5 percent". */
export function speakable(text: string, lang: Lang): string {
  return speakPercents(speakAmountsIn(text, lang), lang);
}

function pickSentence(text: string, pattern: RegExp): string | undefined {
  const sentences = chunkSentences(text);
  return sentences.find((s) => pattern.test(s)) ?? sentences[0];
}
