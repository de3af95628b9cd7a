/**
 * Indic-aware text normalisation shared by indexing, querying, language detection and slot extraction.
 * Customers (and speech-to-text) spell the same Hindi word several ways: with or without nukta
 * (ज़रूरत / जरूरत), chandrabindu or anusvara (पाँच / पांच), stray zero-width joiners from phone keyboards,
 * Devanagari or ASCII digits. Folding them here lets one index match them all.
 */

const DEVANAGARI_ZERO = 0x0966;
const NUKTA = '\u093c';
const CHANDRABINDU = '\u0901';
const ANUSVARA = '\u0902';

// ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen: invisible, but they split or glue tokens.
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff\u00ad]/g;
const DEVANAGARI_DIGIT = /[\u0966-\u096f]/g;
const SPACES = /[\s\u00a0\u2007\u202f]+/g;

/** Devanagari digits to ASCII, so "५ लाख" and "5 लाख" read the same. */
export function asciiDigits(text: string): string {
  return text.replace(DEVANAGARI_DIGIT, (d) => String(d.charCodeAt(0) - DEVANAGARI_ZERO));
}

/**
 * NFC, invisible joiners removed, nukta folded, chandrabindu → anusvara, Devanagari digits → ASCII,
 * double danda "॥" → "।", Latin lower-cased, whitespace collapsed. The danda stays in the text (the
 * sentence chunker needs it); tokenize() treats it as punctuation.
 */
export function normalize(text: string): string {
  return asciiDigits(
    text
      .normalize('NFC')
      .replace(INVISIBLE, '')
      // NFC decomposes क़ ज़ फ़ … into base + nukta (they are composition exclusions), so one replace folds all.
      .replaceAll(NUKTA, '')
      .replaceAll(CHANDRABINDU, ANUSVARA)
      .replaceAll('\u0965', '\u0964'),
  )
    .toLowerCase()
    .replace(SPACES, ' ')
    .trim();
}

// Letters and signs only: the danda (U+0964/5) and digits (U+0966–F) are not evidence of Hindi.
const DEVANAGARI_LETTER = /[\u0900-\u0963\u0970-\u097f]/g;
const LATIN_LETTER = /[a-z]/gi;

/** Share of letters that are Devanagari (0 when the text has no Devanagari or Latin letters). */
export function devanagariShare(text: string): number {
  const deva = text.match(DEVANAGARI_LETTER)?.length ?? 0;
  const latin = text.match(LATIN_LETTER)?.length ?? 0;
  return deva + latin === 0 ? 0 : deva / (deva + latin);
}
