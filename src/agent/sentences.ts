/**
 * Sentence chunking for speech: the text-to-speech worker speaks one sentence while the next is made.
 * Handles English and Hindi (danda "।" and "॥"), and does not split inside "9.5%", "Rs. 500",
 * "₹1,00,000.50", "p.a.", "e.g." or initials.
 */

const TERMINATORS = new Set(['.', '!', '?', '।', '॥']);
const DANDAS = new Set(['।', '॥']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»']);
const SPACE = /\s/u;

// Lower-case, without the final dot; dotted ones are matched on their last part's prefix (see isAbbreviation).
const ABBREVIATIONS = new Set([
  'rs', 'mr', 'mrs', 'ms', 'dr', 'prof', 'no', 'nos', 'st', 'vs', 'approx', 'ltd', 'pvt', 'govt', 'dept', 'sr',
  'jr', 'co', 'inc', 'max', 'min', 'yr', 'yrs', 'mo', 'ref', 'fig', 'kg', 'gm', 'gms', 'acc', 'a/c', 'hon',
  'smt', 'shri', 'sh', 'e.g', 'i.e', 'p.a', 'a.m', 'p.m', 'viz', 'cf', 'al', 'etc', 'est', 'dt', 'amt',
  'bal', 'int',
]);

function wordBefore(text: string, end: number): string {
  let start = end;
  while (start > 0 && !SPACE.test(text[start - 1]!) && text[start - 1] !== '(') start--;
  return text.slice(start, end);
}

function isAbbreviation(text: string, dot: number): boolean {
  const word = wordBefore(text, dot).toLowerCase();
  if (ABBREVIATIONS.has(word)) return true;
  // A single capital letter is an initial ("A. K. Sharma"); dotted forms like "e.g" are caught above.
  return /^\p{Lu}$/u.test(wordBefore(text, dot));
}

/**
 * The index just past the sentence that ends at the terminator at `i`, null when `i` does not end one,
 * or "wait" when more text is needed to decide (streaming).
 */
function endAt(text: string, i: number, final: boolean): number | null | 'wait' {
  const ch = text[i]!;
  let j = i + 1;
  while (j < text.length && TERMINATORS.has(text[j]!)) j++;
  while (j < text.length && CLOSERS.has(text[j]!)) j++;
  if (j >= text.length) return final ? j : 'wait';
  if (!SPACE.test(text[j]!)) return DANDAS.has(ch) ? j : null; // "9.5", "₹1,00,000.50", "e.g.", "है।अगर"
  let k = j;
  while (k < text.length && SPACE.test(text[k]!)) k++;
  if (k >= text.length) return final ? j : 'wait';
  if (ch === '.' && j === i + 1) {
    if (isAbbreviation(text, i)) return null;
    // "p.a. on the loan", "Rs. 500": a lower-case word or a number after the dot continues the sentence.
    if (/[a-z0-9₹]/.test(text[k]!)) return null;
  }
  return j;
}

/** Splits a complete text into trimmed sentences. */
export function chunkSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (!TERMINATORS.has(text[i]!)) continue;
    const end = endAt(text, i, true);
    if (typeof end !== 'number') continue;
    const sentence = text.slice(start, end).trim();
    if (sentence) out.push(sentence);
    start = end;
    i = end - 1;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/**
 * Incremental chunker for streamed text (an LLM's tokens): push() returns the sentences completed so far,
 * holding back a sentence until the text after it shows that its full stop really ends it; flush()
 * returns what is left when the stream ends.
 */
export class SentenceStream {
  private buffer = '';

  push(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      if (!TERMINATORS.has(this.buffer[i]!)) continue;
      const end = endAt(this.buffer, i, false);
      if (end === 'wait') break;
      if (end === null) continue;
      const sentence = this.buffer.slice(start, end).trim();
      if (sentence) out.push(sentence);
      start = end;
      i = end - 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  flush(): string[] {
    const rest = chunkSentences(this.buffer);
    this.buffer = '';
    return rest;
  }
}
