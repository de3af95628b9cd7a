/**
 * The one analysis chain for indexing and searching:
 * normalise → phrase rewrites → tokenize → stop words → stem → lexicon concept.
 */
import { DEFAULT_LEXICON, rewritePhrases, type Lexicon } from './lexicon.ts';
import { normalize } from './normalize.ts';
import { baseTerm, tokenize } from './tokenize.ts';

/** MiniSearch processTerm: null for a stop word, the concept term(s) for a lexicon word, else the stem. */
export function processTerm(token: string, lexicon: Lexicon = DEFAULT_LEXICON): string | string[] | null {
  const term = baseTerm(token);
  if (!term) return null;
  const concepts = lexicon.conceptsOf(term);
  if (!concepts) return term;
  return concepts.length === 1 ? concepts[0]! : [...concepts];
}

/** Tokens after normalising and phrase rewrites (the index's tokenizer, so documents and questions agree). */
export function analyzerTokens(text: string): string[] {
  return tokenize(rewritePhrases(normalize(text)));
}

/** The distinct search terms of a text, in order of first appearance. */
export function analyze(text: string, lexicon: Lexicon = DEFAULT_LEXICON): string[] {
  const out = new Set<string>();
  for (const token of analyzerTokens(text)) {
    const processed = processTerm(token, lexicon);
    if (processed === null) continue;
    for (const t of Array.isArray(processed) ? processed : [processed]) out.add(t);
  }
  return [...out];
}
