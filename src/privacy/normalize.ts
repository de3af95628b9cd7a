/**
 * A detection view of the text with the same length as the original, so offsets found in it are offsets
 * into the original: Indic and other decimal digits become ASCII 0-9, Unicode spaces and dashes that
 * people (and speech-to-text) put between digit groups become ' ' and '-'. Every character replaced is
 * one UTF-16 code unit and so is its replacement.
 */

/** First code point ("zero") of each script's ten consecutive decimal digits. */
const DIGIT_ZEROS = [
  0x0660, // Arabic-Indic (Urdu text)
  0x06f0, // Extended Arabic-Indic
  0x0966, // Devanagari
  0x09e6, // Bengali / Assamese
  0x0a66, // Gurmukhi
  0x0ae6, // Gujarati
  0x0b66, // Odia
  0x0be6, // Tamil
  0x0c66, // Telugu
  0x0ce6, // Kannada
  0x0d66, // Malayalam
  0xff10, // fullwidth
];

const REPLACEMENTS = new Map<string, string>();
for (const zero of DIGIT_ZEROS) {
  for (let d = 0; d < 10; d++) REPLACEMENTS.set(String.fromCharCode(zero + d), String(d));
}
for (const space of ['\u00a0', '\u2007', '\u2009', '\u202f']) REPLACEMENTS.set(space, ' ');
for (const dash of ['\u2010', '\u2011', '\u2012', '\u2013', '\u2212']) REPLACEMENTS.set(dash, '-');

const NEEDS_REPLACING = new RegExp(`[${[...REPLACEMENTS.keys()].join('')}]`, 'g');

export function normalizeForDetection(text: string): string {
  return text.replace(NEEDS_REPLACING, (ch) => REPLACEMENTS.get(ch) ?? ch);
}
