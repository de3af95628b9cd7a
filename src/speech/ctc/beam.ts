import type { CtcHypothesis } from './greedy.ts';
import type { BoostState, HotwordBooster } from './hotwords.ts';
import { logAddExp, type LogProbs } from './logprobs.ts';

export interface BeamSearchOptions {
  blank: number;
  /** Prefixes kept after each frame. Default 8. */
  beamWidth?: number;
  /** Per frame, only tokens within this many nats of the frame's best are tried. Default 10. */
  tokenPrune?: number;
  /** Per frame, at most this many non-blank tokens are tried. Default max(16, beamWidth): fewer lost the best prefix on an unsure model. */
  maxCandidates?: number;
  booster?: HotwordBooster;
}

/** A prefix as a chain back to the empty one: extending it is O(1) (no array copies per candidate). */
interface PrefixNode {
  key: string;
  token: number;
  /** Frame at which this token starts on the path that put it there. */
  frame: number;
  parent: PrefixNode | undefined;
}

interface Beam {
  node: PrefixNode;
  /** log P(prefix, path ends in blank) and log P(prefix, path ends in its last token). */
  pb: number;
  pnb: number;
  boost: BoostState | undefined;
  /** Largest single contribution this frame: decides which path's token frames are kept. */
  best: number;
  /** Sort key after the frame. */
  rank: number;
}

const ROOT: PrefixNode = { key: '', token: -1, frame: -1, parent: undefined };

function unwind(node: PrefixNode): { tokens: number[]; frames: number[] } {
  const tokens: number[] = [];
  const frames: number[] = [];
  for (let n: PrefixNode | undefined = node; n && n !== ROOT; n = n.parent) {
    tokens.push(n.token);
    frames.push(n.frame);
  }
  return { tokens: tokens.reverse(), frames: frames.reverse() };
}

/**
 * CTC prefix beam search in log space. Each prefix sums the probability of every alignment that
 * collapses to it (so "a" gets credit from "a a", "a ∅" and "∅ a", unlike best-path decoding). With a
 * booster, a prefix's rank adds its hotword bonus; the bonus is a function of the prefix alone, so
 * merging paths never mixes bonuses. Results are sorted best first.
 */
export function prefixBeamSearch(m: LogProbs, opts: BeamSearchOptions): CtcHypothesis[] {
  const { blank, booster } = opts;
  const beamWidth = Math.max(1, Math.floor(opts.beamWidth ?? 8));
  const tokenPrune = opts.tokenPrune ?? 10;
  const maxCandidates = Math.max(1, Math.floor(opts.maxCandidates ?? Math.max(16, beamWidth)));
  if (blank < 0 || blank >= m.vocab) throw new RangeError(`Blank id ${blank} is outside the ${m.vocab} outputs.`);

  let beams: Beam[] = [{ node: ROOT, pb: 0, pnb: -Infinity, boost: booster?.initial, best: 0, rank: 0 }];

  for (let t = 0; t < m.frames; t++) {
    const row = m.data.subarray(t * m.vocab, (t + 1) * m.vocab);
    const candidates = frameCandidates(row, blank, tokenPrune, maxCandidates);
    const next = new Map<string, Beam>();
    const entry = (key: string, node: PrefixNode, boost: BoostState | undefined): Beam => {
      let b = next.get(key);
      if (!b) {
        b = { node, pb: -Infinity, pnb: -Infinity, boost, best: -Infinity, rank: 0 };
        next.set(key, b);
      }
      return b;
    };
    const lpBlank = row[blank]!;

    for (const beam of beams) {
      const total = logAddExp(beam.pb, beam.pnb);
      const last = beam.node.token;
      // Stay on the same prefix: a blank, or the last token repeated (collapses into it).
      const same = entry(beam.node.key, beam.node, beam.boost);
      const viaBlank = total + lpBlank;
      same.pb = logAddExp(same.pb, viaBlank);
      let stay = viaBlank;
      if (last >= 0) {
        const viaRepeat = beam.pnb + row[last]!;
        same.pnb = logAddExp(same.pnb, viaRepeat);
        stay = Math.max(stay, viaRepeat);
      }
      if (stay > same.best) {
        same.best = stay;
        same.node = beam.node;
      }
      // Extend by a new token; the same token again needs a blank in between.
      for (const c of candidates) {
        const contribution = (c === last ? beam.pb : total) + row[c]!;
        if (contribution === -Infinity) continue;
        const key = beam.node.key === '' ? String(c) : `${beam.node.key},${c}`;
        const ext = entry(key, beam.node, undefined);
        if (ext.boost === undefined && booster && beam.boost) ext.boost = booster.advance(beam.boost, c);
        ext.pnb = logAddExp(ext.pnb, contribution);
        if (contribution > ext.best) {
          ext.best = contribution;
          ext.node = { key, token: c, frame: t, parent: beam.node };
        }
      }
    }

    beams = [...next.values()];
    for (const b of beams) {
      b.rank = logAddExp(b.pb, b.pnb) + (booster && b.boost ? booster.bonus(b.boost) : 0);
    }
    beams.sort((a, b) => b.rank - a.rank);
    if (beams.length > beamWidth) beams.length = beamWidth;
  }

  return beams
    .map((b) => ({
      ...unwind(b.node),
      score: logAddExp(b.pb, b.pnb) + (booster && b.boost ? booster.finalBonus(b.boost) : 0),
    }))
    .sort((a, b) => b.score - a.score);
}

/** Non-blank tokens worth trying this frame: the best few, within `prune` nats of the frame's best. */
function frameCandidates(row: Float32Array, blank: number, prune: number, max: number): number[] {
  let top = -Infinity;
  for (let v = 0; v < row.length; v++) if (row[v]! > top) top = row[v]!;
  const floor = top - prune;
  const picked: number[] = [];
  for (let v = 0; v < row.length; v++) if (v !== blank && row[v]! >= floor) picked.push(v);
  if (picked.length > max) {
    picked.sort((a, b) => row[b]! - row[a]!);
    picked.length = max;
  }
  return picked;
}
