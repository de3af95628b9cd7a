/** A [T][V] matrix of per-frame log-probabilities, row-major (frame t, token v at data[t*vocab + v]). */
export interface LogProbs {
  data: Float32Array;
  frames: number;
  vocab: number;
}

export function logProbs(data: Float32Array, frames: number, vocab: number): LogProbs {
  if (!Number.isInteger(frames) || !Number.isInteger(vocab) || frames < 0 || vocab < 1 || data.length < frames * vocab) {
    throw new RangeError(`CTC log-probs of ${data.length} values cannot be read as ${frames} frames × ${vocab} tokens.`);
  }
  return { data, frames, vocab };
}

/** log_softmax over each row (idempotent on rows that already are log-probabilities). */
export function logSoftmaxRows(m: LogProbs): LogProbs {
  const { frames, vocab } = m;
  const out = new Float32Array(frames * vocab);
  for (let t = 0; t < frames; t++) {
    const row = m.data.subarray(t * vocab, (t + 1) * vocab);
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (row[v]! > max) max = row[v]!;
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(row[v]! - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < vocab; v++) out[t * vocab + v] = row[v]! - lse;
  }
  return { data: out, frames, vocab };
}

/** Keeps the given columns, in order (e.g. one language's 257 outputs of a multilingual head). */
export function selectColumns(m: LogProbs, columns: readonly number[]): LogProbs {
  const width = columns.length;
  for (const c of columns) {
    if (!Number.isInteger(c) || c < 0 || c >= m.vocab) throw new RangeError(`Column ${c} is outside the ${m.vocab} outputs of the model.`);
  }
  const out = new Float32Array(m.frames * width);
  for (let t = 0; t < m.frames; t++) {
    const base = t * m.vocab;
    for (let j = 0; j < width; j++) out[t * width + j] = m.data[base + columns[j]!]!;
  }
  return { data: out, frames: m.frames, vocab: width };
}

/** log(e^a + e^b) without overflow; -Infinity is the log of zero. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}
