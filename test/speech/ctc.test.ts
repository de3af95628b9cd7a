import { describe, expect, it } from 'vitest';
import {
  decodeCtc,
  greedyDecode,
  HotwordBooster,
  indicVocabulary,
  logProbs,
  logSoftmaxRows,
  parseSherpaTokens,
  prefixBeamSearch,
  selectColumns,
  Vocabulary,
  VocabError,
  type LogProbs,
} from '../../src/speech/ctc/index.ts';

/** Rows of probabilities → a log-prob matrix. */
function fromProbs(rows: number[][]): LogProbs {
  const vocab = rows[0]!.length;
  return logProbs(Float32Array.from(rows.flat(), (p) => Math.log(p)), rows.length, vocab);
}

/** Exact P(label sequence) by summing every alignment (V^T paths): the definition beam search approximates. */
function exactSequenceProbs(m: LogProbs, blank: number): Map<string, number> {
  const out = new Map<string, number>();
  const path = new Array<number>(m.frames).fill(0);
  const total = m.vocab ** m.frames;
  for (let n = 0; n < total; n++) {
    let x = n;
    let lp = 0;
    for (let t = 0; t < m.frames; t++) {
      path[t] = x % m.vocab;
      x = Math.floor(x / m.vocab);
      lp += m.data[t * m.vocab + path[t]!]!;
    }
    const labels: number[] = [];
    for (let t = 0; t < m.frames; t++) if (path[t] !== blank && path[t] !== path[t - 1]) labels.push(path[t]!);
    const key = labels.join(',');
    out.set(key, (out.get(key) ?? 0) + Math.exp(lp));
  }
  return out;
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('greedy CTC decoding', () => {
  it('collapses repeats, drops blanks, and keeps a repeat that a blank separates', () => {
    // tokens: 0 a, 1 b, 2 blank. Best path a a ∅ a b b ∅ → "a a b" (two a's: the blank splits them).
    const hi = 0.8;
    const lo = 0.1;
    const row = (k: number) => [0, 1, 2].map((v) => (v === k ? hi : lo));
    const m = fromProbs([row(0), row(0), row(2), row(0), row(1), row(1), row(2)]);
    const h = greedyDecode(m, 2);
    expect(h.tokens).toEqual([0, 0, 1]);
    expect(h.frames).toEqual([0, 3, 4]);
    expect(h.score).toBeCloseTo(7 * Math.log(hi), 5);
  });

  it('returns nothing for all-blank input and for zero frames', () => {
    expect(greedyDecode(fromProbs([[0.1, 0.9], [0.2, 0.8]]), 1).tokens).toEqual([]);
    expect(greedyDecode(logProbs(new Float32Array(0), 0, 3), 2).tokens).toEqual([]);
  });
});

describe('CTC prefix beam search', () => {
  it('finds the label sequence with the most total probability where best path decoding does not', () => {
    // Each frame: a 0.4, blank 0.6. Best path ∅∅ (0.36) gives "", but "a" sums aa+a∅+∅a = 0.64.
    const m = fromProbs([[0.4, 0.6], [0.4, 0.6]]);
    expect(greedyDecode(m, 1).tokens).toEqual([]);
    const [best, second] = prefixBeamSearch(m, { blank: 1, beamWidth: 4 });
    expect(best!.tokens).toEqual([0]);
    expect(Math.exp(best!.score)).toBeCloseTo(0.64, 6);
    expect(second!.tokens).toEqual([]);
    expect(Math.exp(second!.score)).toBeCloseTo(0.36, 6);
  });

  it('gives every prefix its exact probability (sum over all alignments) when nothing is pruned', () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 5; trial++) {
      const frames = 5;
      const vocab = 3;
      const rows = Array.from({ length: frames }, () => {
        const r = Array.from({ length: vocab }, () => rand() + 0.05);
        const s = r.reduce((a, b) => a + b, 0);
        return r.map((x) => x / s);
      });
      const m = fromProbs(rows);
      const blank = 2;
      const exact = exactSequenceProbs(m, blank);
      const beams = prefixBeamSearch(m, { blank, beamWidth: 1000, tokenPrune: Infinity, maxCandidates: vocab });
      expect(beams.length).toBe(exact.size);
      for (const b of beams) expect(Math.exp(b.score)).toBeCloseTo(exact.get(b.tokens.join(','))!, 6);
      const bestExact = [...exact.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      expect(beams[0]!.tokens.join(',')).toBe(bestExact);
    }
  });

  it('keeps a repeated token only when a blank separates the two', () => {
    // a a (no blank) vs a ∅ a: the second is clearly more likely here.
    const m = fromProbs([
      [0.9, 0.1],
      [0.05, 0.95],
      [0.9, 0.1],
    ]);
    const [best] = prefixBeamSearch(m, { blank: 1, beamWidth: 8 });
    expect(best!.tokens).toEqual([0, 0]);
    expect(best!.frames).toEqual([0, 2]);
  });

  it('records the frame where each token of the best path starts', () => {
    const m = fromProbs([
      [0.05, 0.05, 0.9],
      [0.9, 0.05, 0.05],
      [0.9, 0.05, 0.05],
      [0.05, 0.05, 0.9],
      [0.05, 0.9, 0.05],
    ]);
    const [best] = prefixBeamSearch(m, { blank: 2, beamWidth: 4 });
    expect(best!.tokens).toEqual([0, 1]);
    expect(best!.frames).toEqual([1, 4]);
  });
});

describe('hotword boosting', () => {
  // Word pieces, sherpa style: blank last.
  const words = parseSherpaTokens(['<unk> 0', '▁gold 1', '▁loan 2', '▁lone 3', '▁rate 4', '<blk> 5'].join('\n'));
  // "gold" then a close call between "lone" (0.5) and "loan" (0.4).
  const goldLone = fromProbs([
    [0.01, 0.9, 0.02, 0.02, 0.01, 0.04],
    [0.01, 0.02, 0.4, 0.5, 0.01, 0.06],
  ]);

  it('flips a close decision towards a bank term', () => {
    expect(decodeCtc(goldLone, words).text).toBe('gold lone');
    expect(decodeCtc(goldLone, words, { beam: 8 }).text).toBe('gold lone');
    expect(decodeCtc(goldLone, words, { hotwords: ['gold loan'] }).text).toBe('gold loan');
    expect(decodeCtc(goldLone, words, { hotwords: ['Loan'] }).text).toBe('gold loan');
  });

  it('leaves a clear decision alone and does not reward an unfinished phrase', () => {
    // "lone" 0.97 vs "loan" 0.003: about 5.8 nats, more than the phrase's 8 characters × 0.5 earn.
    const clear = fromProbs([
      [0.005, 0.97, 0.005, 0.005, 0.005, 0.01],
      [0.005, 0.005, 0.003, 0.97, 0.007, 0.01],
    ]);
    expect(decodeCtc(clear, words, { hotwords: ['gold loan'] }).text).toBe('gold lone');
    // "gold loan rate" is never completed: the final score carries no bonus.
    const plain = prefixBeamSearch(goldLone, { blank: 5, beamWidth: 8 });
    const booster = new HotwordBooster(['gold loan rate'], (id) => words.pieceText(id));
    const boosted = prefixBeamSearch(goldLone, { blank: 5, beamWidth: 8, booster });
    const score = (hs: typeof plain, text: string) => hs.find((h) => words.decode(h.tokens) === text)!.score;
    expect(score(boosted, 'gold loan')).toBeCloseTo(score(plain, 'gold loan'), 6);
  });

  it('gives the same bonus whatever the tokenisation, and only from a word start', () => {
    const chars = new Vocabulary(['▁', 'e', 'm', 'i', 'p', 'r', 'u', '▁emi', 'pr', 'emi', 'um', '<blk>'], 11);
    const b = new HotwordBooster(['EMI'], (id) => chars.pieceText(id), 1);
    const run = (tokens: number[]) => tokens.reduce((s, t) => b.advance(s, t), b.initial);
    expect(b.finalBonus(run([7]))).toBe(3); // "▁emi"
    expect(b.finalBonus(run([0, 1, 2, 3]))).toBe(3); // "▁" "e" "m" "i"
    expect(b.finalBonus(run([1, 2, 3]))).toBe(3); // utterance start counts as a word start
    expect(b.finalBonus(run([0, 8, 9, 10]))).toBe(0); // "▁premium": not at a word start
    expect(b.finalBonus(run([7, 6]))).toBe(0); // "▁emiu": the word goes on, so it is not "emi"
    expect(b.finalBonus(run([7, 0, 4]))).toBe(3); // "▁emi▁p": completed, then a new word
    expect(b.bonus(run([0, 1, 2]))).toBe(2); // while spelling, the partial bonus counts for ranking
    expect(b.finalBonus(run([0, 1, 2]))).toBe(0); // but not at the end
  });

  it('matches Devanagari terms character by character', () => {
    // ल ो ा न; "लोन" (loan) vs "लान": the vowel sign is a close call.
    const v = new Vocabulary(['<unk>', '▁ल', 'ो', 'ा', 'न', '▁ब्याज', '<blk>'], 6);
    const m = fromProbs([
      [0.01, 0.9, 0.01, 0.01, 0.01, 0.01, 0.05],
      [0.01, 0.01, 0.4, 0.5, 0.01, 0.01, 0.06],
      [0.01, 0.01, 0.01, 0.01, 0.9, 0.01, 0.05],
    ]);
    expect(decodeCtc(m, v).text).toBe('लान');
    expect(decodeCtc(m, v, { hotwords: ['लोन', 'ब्याज'] }).text).toBe('लोन');
  });
});

describe('token maps', () => {
  it('reads sherpa tokens.txt: blank last, "▁" as word boundary, special tokens silent', () => {
    const v = parseSherpaTokens('<unk> 0\n▁ 1\n▁gold 2\nen 3\n▁loan 4\n<blk> 5\n');
    expect(v.blank).toBe(5);
    expect(v.size).toBe(6);
    expect(v.decode([2, 3, 4])).toBe('golden loan');
    expect(v.decode([0, 1, 2, 1, 1, 4])).toBe('gold loan');
  });

  it('rejects token lists that are not CTC token lists', () => {
    expect(() => parseSherpaTokens('a 0\nb 1\n')).toThrow(VocabError);
    expect(() => parseSherpaTokens('a 0\n<blk> 2\n')).toThrow(/no token with id 1/);
    expect(() => parseSherpaTokens('a 0\nnonsense\n<blk> 1')).toThrow(/line 2/);
    expect(() => parseSherpaTokens('')).toThrow(/empty/);
  });

  it('reads IndicConformer vocab.json with 256 or 257 tokens a language', () => {
    const hi = ['<unk>', '▁नम', 'स्ते', '▁लोन', ...Array.from({ length: 252 }, (_, i) => `x${i}`)];
    const ta = ['<unk>', '▁வண', 'க்கம்', ...Array.from({ length: 253 }, (_, i) => `y${i}`), '<blk>'];
    const v = indicVocabulary({ hi, ta }, 'hi');
    expect(v.size).toBe(257);
    expect(v.blank).toBe(256);
    expect(v.decode([1, 2, 3])).toBe('नमस्ते लोन');
    expect(indicVocabulary({ hi, ta }, 'ta').decode([1, 2, 256])).toBe('வணக்கம்');
    expect(() => indicVocabulary({ hi }, 'ta')).toThrow(/no token list for language "ta"/);
    expect(() => indicVocabulary({ hi: hi.slice(0, 100) }, 'hi')).toThrow(/100 tokens/);
  });
});

describe('log-prob helpers', () => {
  it('selects columns and renormalises them with log_softmax', () => {
    const m = logProbs(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3);
    const sel = logSoftmaxRows(selectColumns(m, [2, 0]));
    expect(sel.vocab).toBe(2);
    expect(Math.exp(sel.data[0]!) + Math.exp(sel.data[1]!)).toBeCloseTo(1, 6);
    expect(sel.data[0]! - sel.data[1]!).toBeCloseTo(2, 5); // column 2 minus column 0 of row 0
    expect(() => selectColumns(m, [3])).toThrow(/outside/);
    expect(() => logProbs(new Float32Array(5), 2, 3)).toThrow(RangeError);
  });
});
