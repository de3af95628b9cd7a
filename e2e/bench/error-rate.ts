/** Character and word error rates for the STT benchmarks (Levenshtein distance over normalised text). */

/** The label normalisation the default model is trained with: NFC, lower-case Latin, no punctuation. */
export function normalizeTranscript(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

export interface ErrorCounts {
  charErrors: number;
  chars: number;
  wordErrors: number;
  words: number;
}

export function errorCounts(reference: string, hypothesis: string): ErrorCounts {
  const ref = normalizeTranscript(reference);
  const hyp = normalizeTranscript(hypothesis);
  const refWords = ref ? ref.split(' ') : [];
  return {
    // Code points, so a Devanagari matra counts as one character, as in the model's labels.
    charErrors: editDistance([...ref], [...hyp]),
    chars: [...ref].length,
    wordErrors: editDistance(refWords, hyp ? hyp.split(' ') : []),
    words: refWords.length,
  };
}

export function sumCounts(all: ErrorCounts[]): ErrorCounts & { cer: number; wer: number } {
  const t = all.reduce((s, c) => ({ charErrors: s.charErrors + c.charErrors, chars: s.chars + c.chars, wordErrors: s.wordErrors + c.wordErrors, words: s.words + c.words }), {
    charErrors: 0, chars: 0, wordErrors: 0, words: 0,
  });
  return { ...t, cer: t.chars ? t.charErrors / t.chars : 0, wer: t.words ? t.wordErrors / t.words : 0 };
}
