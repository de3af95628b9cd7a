/**
 * BM25 keyword index over knowledge passages, built on MiniSearch (BM25+, handles Devanagari with our
 * tokenizer). Documents and questions go through the same analyzer (analyzer.ts), so the lexicon maps
 * "byaj", "ब्याज" and "interest" to one term on both sides.
 */
import MiniSearch, { type Options, type SearchResult } from 'minisearch';
import { analyze, analyzerTokens, processTerm } from './analyzer.ts';

export interface IndexedDoc {
  id: string;
  title: string;
  text: string;
  /** Extra search terms (space- or comma-separated), weighted like the title. */
  keywords: string;
}

export interface Hit {
  id: string;
  score: number;
  /** Query terms (processed) that matched this document. */
  matched: string[];
}

const FIELDS = ['title', 'text', 'keywords'];

// One definition used both to build and to load: MiniSearch.loadJSON needs the same options.
const OPTIONS: Options<IndexedDoc> = {
  idField: 'id',
  fields: FIELDS,
  tokenize: (text) => analyzerTokens(text),
  processTerm: (token) => processTerm(token),
  searchOptions: {
    boost: { title: 2, keywords: 1.5, text: 1 },
    // Terms reach search() already processed; only split on the spaces we joined them with.
    tokenize: (query) => query.split(' ').filter(Boolean),
    processTerm: (term) => term,
    prefix: (term) => term.length >= 5,
    // One typo for long romanised words ("intrest", "eligble"); Devanagari spellings are folded already.
    fuzzy: (term) => (term.length >= 6 && /^[a-z]+$/.test(term) ? 1 : false),
    combineWith: 'OR',
  },
};

/** Serialised form: MiniSearch's own JSON plus the document frequencies used to damp common terms. */
interface IndexJson {
  format: 'bm25-minisearch-1';
  minisearch: unknown;
  docFreq: Record<string, number>;
}

// Terms whose document-level IDF is below this are damped in proportion: in a gold-loan knowledge base
// "gold" and "loan" occur in nearly every passage, and MiniSearch's per-field IDF (the keywords field is
// short) plus its matched-term multiplier would otherwise let them outvote the word that names the topic.
const IDF_FULL_WEIGHT = 1.5;

export class BM25Index {
  private constructor(
    private readonly search_: MiniSearch<IndexedDoc>,
    private readonly docFreq: Map<string, number>,
  ) {}

  static build(docs: readonly IndexedDoc[]): BM25Index {
    const ms = new MiniSearch<IndexedDoc>(OPTIONS);
    ms.addAll(docs);
    const docFreq = new Map<string, number>();
    for (const doc of docs) {
      for (const term of new Set(analyze(`${doc.title} ${doc.text} ${doc.keywords}`))) {
        docFreq.set(term, (docFreq.get(term) ?? 0) + 1);
      }
    }
    return new BM25Index(ms, docFreq);
  }

  /** Restores an index serialised with toJSON(); throws a clear error for anything else. */
  static load(json: string): BM25Index {
    const parsed = JSON.parse(json) as Partial<IndexJson>;
    if (parsed.format !== 'bm25-minisearch-1' || !parsed.minisearch || !parsed.docFreq) {
      throw new Error('Not a serialised BM25 index (format "bm25-minisearch-1" expected). Rebuild the index from the knowledge base.');
    }
    const ms = MiniSearch.loadJSON<IndexedDoc>(JSON.stringify(parsed.minisearch), OPTIONS);
    return new BM25Index(ms, new Map(Object.entries(parsed.docFreq)));
  }

  toJSON(): string {
    const out: IndexJson = { format: 'bm25-minisearch-1', minisearch: this.search_, docFreq: Object.fromEntries(this.docFreq) };
    return JSON.stringify(out);
  }

  /** 1 for a distinctive term, less for one that occurs in most documents. */
  termWeight(term: string): number {
    const n = this.search_.documentCount;
    const df = this.docFreq.get(term) ?? 0;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    return Math.min(1, idf / IDF_FULL_WEIGHT);
  }

  get documentCount(): number {
    return this.search_.documentCount;
  }

  /** Searches with terms already produced by analyze(). */
  search(terms: readonly string[]): Hit[] {
    if (terms.length === 0) return [];
    const results: SearchResult[] = this.search_.search(terms.join(' '), {
      boostTerm: (term) => this.termWeight(term),
    });
    return results.map((r) => ({ id: String(r.id), score: r.score, matched: r.queryTerms }));
  }
}
