/** CTC decoding shared by the STT engines: token maps, greedy and prefix beam search, hotword boosting. */
import { prefixBeamSearch } from './beam.ts';
import { greedyDecode, type CtcHypothesis } from './greedy.ts';
import { HotwordBooster } from './hotwords.ts';
import type { LogProbs } from './logprobs.ts';
import type { Vocabulary } from './vocab.ts';

export { prefixBeamSearch, type BeamSearchOptions } from './beam.ts';
export { greedyDecode, type CtcHypothesis } from './greedy.ts';
export { HotwordBooster, type BoostState } from './hotwords.ts';
export { logAddExp, logProbs, logSoftmaxRows, selectColumns, type LogProbs } from './logprobs.ts';
export { indicVocabulary, INDIC_BLANK, INDIC_TOKENS_PER_LANGUAGE, parseSherpaTokens, Vocabulary, VocabError, WORD_BOUNDARY } from './vocab.ts';

export interface CtcDecodeOptions {
  /** Beam width; 1 or less (or unset) decodes greedily. */
  beam?: number;
  /** Words or phrases to favour; needs a beam (a width of 8 is used when none is given). */
  hotwords?: readonly string[];
  /** Bonus per matched hotword character, in nats. */
  hotwordBonus?: number;
}

export interface CtcDecoded extends CtcHypothesis {
  text: string;
  method: 'greedy' | 'beam';
}

/** Decodes log-probs with a vocabulary: greedy by default, beam search when a beam or hotwords are asked for. */
export function decodeCtc(m: LogProbs, vocab: Vocabulary, opts: CtcDecodeOptions = {}): CtcDecoded {
  const hotwords = (opts.hotwords ?? []).filter((h) => h.trim().length > 0);
  const beamWidth = opts.beam ?? (hotwords.length > 0 ? 8 : 1);
  if (beamWidth <= 1 && hotwords.length === 0) {
    const h = greedyDecode(m, vocab.blank);
    return { ...h, text: vocab.decode(h.tokens), method: 'greedy' };
  }
  const booster = hotwords.length > 0 ? new HotwordBooster(hotwords, (id) => vocab.pieceText(id), opts.hotwordBonus) : undefined;
  const [best] = prefixBeamSearch(m, { blank: vocab.blank, beamWidth, ...(booster ? { booster } : {}) });
  const h = best ?? { tokens: [], frames: [], score: 0 };
  return { ...h, text: vocab.decode(h.tokens), method: 'beam' };
}
