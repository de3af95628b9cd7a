import type { LogProbs } from './logprobs.ts';

/** A decoded token sequence with the frame where each token was first emitted. */
export interface CtcHypothesis {
  tokens: number[];
  /** Encoder frame at which each token starts (same length as `tokens`). */
  frames: number[];
  /** Log-probability used for ranking (best path for greedy; prefix total plus hotword bonus for beam). */
  score: number;
}

/**
 * Best-path decoding: argmax per frame, collapse repeats, drop blanks. A token repeated with a blank
 * between (a ∅ a) stays two tokens; without one (a a) it is one.
 */
export function greedyDecode(m: LogProbs, blank: number): CtcHypothesis {
  const tokens: number[] = [];
  const frames: number[] = [];
  let score = 0;
  let prev = -1;
  for (let t = 0; t < m.frames; t++) {
    const base = t * m.vocab;
    let best = 0;
    let bestLp = m.data[base]!;
    for (let v = 1; v < m.vocab; v++) {
      const lp = m.data[base + v]!;
      if (lp > bestLp) {
        bestLp = lp;
        best = v;
      }
    }
    score += bestLp;
    if (best !== prev && best !== blank) {
      tokens.push(best);
      frames.push(t);
    }
    prev = best;
  }
  return { tokens, frames, score };
}
