/** Detectors for the alphanumeric kinds of personal data: email, PAN and IFSC. */
import type { PiiSpan, PiiType } from './types.ts';

/** A span without its text; the caller slices the original string. */
export type RawSpan = Omit<PiiSpan, 'text'>;

const isLocalChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
const isDomainChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45; // . -

const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^[A-Za-z]{2,24}$/;

/**
 * Emails are found by expanding around each '@' rather than with one regex over the whole text: a regex
 * with an unbounded local part backtracks quadratically over long runs of letters.
 */
export function findEmails(text: string): RawSpan[] {
  const spans: RawSpan[] = [];
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > 0 && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && text[start] === '.') start++; // a sentence's full stop is not part of the address
    let end = at + 1;
    while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    const labels = text.slice(at + 1, end).split('.');
    const topLevel = labels[labels.length - 1] ?? '';
    if (start < at && labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && TOP_LEVEL.test(topLevel)) {
      spans.push({ type: 'email', start, end });
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
  return spans;
}

const NOT_ALNUM_BEFORE = '(?<![A-Za-z0-9])';
const NOT_ALNUM_AFTER = '(?![A-Za-z0-9])';
const HOLDER = 'PCHFATBLJG'; // 4th letter of a PAN: the kind of holder (person, company, HUF, firm, ...)

/**
 * Compact forms match in any case ("abcpe1234f"); forms with a space or dash between the blocks must be
 * upper case, or ordinary words ("which 2024 a") would match.
 */
const PATTERNS: readonly { type: PiiType; re: RegExp }[] = [
  { type: 'pan', re: new RegExp(`${NOT_ALNUM_BEFORE}[A-Za-z]{3}[${HOLDER}${HOLDER.toLowerCase()}][A-Za-z][0-9]{4}[A-Za-z]${NOT_ALNUM_AFTER}`, 'g') },
  { type: 'pan', re: new RegExp(`${NOT_ALNUM_BEFORE}[A-Z]{3}[${HOLDER}][A-Z][ -][0-9]{4}[ -]?[A-Z]${NOT_ALNUM_AFTER}`, 'g') },
  { type: 'pan', re: new RegExp(`${NOT_ALNUM_BEFORE}[A-Z]{3}[${HOLDER}][A-Z][0-9]{4}[ -][A-Z]${NOT_ALNUM_AFTER}`, 'g') },
  { type: 'ifsc', re: new RegExp(`${NOT_ALNUM_BEFORE}[A-Za-z]{4}0[A-Za-z0-9]{6}${NOT_ALNUM_AFTER}`, 'g') },
  { type: 'ifsc', re: new RegExp(`${NOT_ALNUM_BEFORE}[A-Z]{4}[ -]0[A-Z0-9]{6}${NOT_ALNUM_AFTER}`, 'g') },
];

/** PAN and IFSC codes in `text` (already digit-normalised), skipping anything already in `taken`. */
export function findCodes(text: string, taken: Uint8Array): RawSpan[] {
  const spans: RawSpan[] = [];
  for (const { type, re } of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (taken.subarray(start, end).includes(1)) continue;
      taken.fill(1, start, end);
      spans.push({ type, start, end });
    }
  }
  return spans;
}
