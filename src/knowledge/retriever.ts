/**
 * Topic retrieval over a bilingual knowledge base: every passage (Hindi and English) is searched, scores
 * are pooled per topic, and the winning topic is answered with its passage in the reply language. So a
 * Hinglish question can match the English wording and still be answered in Hindi.
 */
import type { Lang } from '../config/lang.ts';
import { BM25Index, type Hit } from './bm25.ts';
import type { KnowledgeBase, Passage } from './kb.ts';
import { analyze } from './analyzer.ts';
import { DEFAULT_LEXICON, type Lexicon } from './lexicon.ts';

export interface TopicHit {
  topic: string;
  score: number;
  /** The question's terms that this topic matched. */
  covered: string[];
}

export interface Retrieval {
  /** The question's search terms (stems and lexicon concepts). */
  terms: string[];
  /** Topics, best first. */
  topics: TopicHit[];
  /** Share of the question's terms the best topic covers (0–1). */
  coverage: number;
  /** False when nothing scores above the thresholds: the caller should hand over to a person. */
  relevant: boolean;
  ms: number;
}

export interface RetrieverOptions {
  /** Minimum BM25 score of the best topic. */
  minScore?: number;
  /**
   * The best topic must cover more than this share of the question's terms, or at least one domain
   * concept from the lexicon: "cricket score" matches "score" (credit score) but is not about loans.
   */
  minCoverage?: number;
  /** A serialised index (BM25Index#toJSON) to load instead of building one. */
  indexJson?: string;
}

export class Retriever {
  readonly index: BM25Index;
  readonly buildMs: number;
  private readonly byId = new Map<string, Passage>();
  private readonly byTopic = new Map<string, Map<Lang, Passage>>();
  private readonly lexicon: Lexicon = DEFAULT_LEXICON;
  private readonly minScore: number;
  private readonly minCoverage: number;

  constructor(readonly kb: KnowledgeBase, options: RetrieverOptions = {}) {
    const t0 = performance.now();
    for (const p of kb.passages) {
      this.byId.set(p.id, p);
      const langs = this.byTopic.get(p.topic) ?? new Map<Lang, Passage>();
      langs.set(p.lang, p);
      this.byTopic.set(p.topic, langs);
    }
    this.index = options.indexJson
      ? BM25Index.load(options.indexJson)
      : BM25Index.build(kb.passages.map((p) => ({ id: p.id, title: p.title, text: p.text, keywords: p.keywords.join(' ') })));
    this.minScore = options.minScore ?? 3;
    this.minCoverage = options.minCoverage ?? 0.5;
    this.buildMs = performance.now() - t0;
  }

  get topicIds(): string[] {
    return [...this.byTopic.keys()];
  }

  passage(id: string): Passage | undefined {
    return this.byId.get(id);
  }

  /** The topic's passage in `lang`, or in the other language when that one is missing. */
  passageFor(topic: string, lang: Lang): Passage | undefined {
    const langs = this.byTopic.get(topic);
    return langs?.get(lang) ?? langs?.values().next().value;
  }

  search(question: string): Retrieval {
    const t0 = performance.now();
    const terms = analyze(question, this.lexicon);
    const topics = this.poolByTopic(this.index.search(terms), terms);
    const best = topics[0];
    const coverage = best && terms.length > 0 ? best.covered.length / terms.length : 0;
    const relevant =
      !!best &&
      best.score >= this.minScore &&
      (coverage > this.minCoverage || best.covered.some((t) => this.lexicon.isConcept(t)));
    return { terms, topics, coverage, relevant, ms: performance.now() - t0 };
  }

  private poolByTopic(hits: Hit[], terms: string[]): TopicHit[] {
    const pooled = new Map<string, { score: number; matched: Set<string> }>();
    for (const hit of hits) {
      const topic = this.byId.get(hit.id)?.topic;
      if (!topic) continue;
      const entry = pooled.get(topic) ?? { score: 0, matched: new Set<string>() };
      // Max, not sum: a topic should not win just because it has two languages.
      entry.score = Math.max(entry.score, hit.score);
      for (const m of hit.matched) entry.matched.add(m);
      pooled.set(topic, entry);
    }
    return [...pooled]
      .map(([topic, { score, matched }]) => ({
        topic,
        score,
        covered: terms.filter((t) => matched.has(t)),
      }))
      .sort((a, b) => b.score - a.score);
  }
}
