/**
 * Detectors for numeric personal data: Aadhaar, mobile numbers, card numbers and bank account numbers.
 *
 * The text is cut into digit groups (maximal runs of 0-9 in the digit-normalised view). Groups separated by
 * exactly one space or dash are chained, because people and speech-to-text write "2345 6789 0123",
 * "98765-43210" or "9 8 7 6 5 4 3 2 1 0". Within a chain, from left to right, the longest run of groups
 * that forms a known kind of number wins. Groups joined to a neighbour by '.', ',', '/' or ':' are
 * amounts, decimals, dates or times ("2,50,000", "9.5", "12/03/2024", "10:30") and are never part of
 * a match.
 *
 * Decisions (ambiguous cases):
 * - 12 digits failing Verhoeff are labelled ACCOUNT, not left alone: many banks' account numbers are 12
 *   digits, and a misheard Aadhaar must still be hidden. Fail closed.
 * - 12 digits that are "91" + a mobile number are PHONE when written "+91..." or as "91 98765 43210";
 *   otherwise a valid Verhoeff checksum makes them AADHAAR.
 * - 13-19 digits passing Luhn are CARD, even if some bank's account number happens to pass Luhn too; it is
 *   redacted either way, only the label differs.
 * - Toll-free numbers (1800/1860 + 6-7 digits) are the bank's public numbers, not personal data.
 * - Mobiles may be grouped in pairs ("98 76 54 32 10", how people say them), so five space-separated pairs
 *   that start with 6-9 are a phone even when they were a list of figures; other kinds need groups of 3+.
 * - Landlines ("022 2345 6789") are not recognised as phones; 11 digits make them ACCOUNT, still redacted.
 * - Account numbers have no checksum, so runs that read as money (currency or "lakh"/"रुपये" next to them,
 *   four trailing zeros, "50000-75000") or as a list of years are left alone.
 */
import { isValidLuhn } from './luhn.ts';
import type { RawSpan } from './text-patterns.ts';
import type { PiiType } from './types.ts';
import { isValidVerhoeff } from './verhoeff.ts';

interface DigitGroup {
  start: number;
  end: number;
  digits: string;
}

const MAX_DIGITS = 19; // longest card number
/** In a chain of two or more groups, each group (dictated single digits aside) has this many digits at most. */
const MAX_GROUP = 8;
const NUMERIC_JOINERS = '.,/:';

/** Currency before a number ("₹", "Rs.", "INR") or a unit after it ("rupees", "lakh", "/-") marks an amount. */
const CURRENCY_BEFORE = /(?:₹|\brs\.?|\binr|रु\.|रुप\S*)\s*$/i;
const AMOUNT_AFTER =
  /^\s*(?:₹|\/-|%|rs\b|inr\b|rupe|rupay|rupai|rupiya|rupaiya|lakh|lac\b|lacs\b|crore|cr\b|paise|रु\.|रुप|लाख|करोड़|पैसे)/i;

export function findNumbers(text: string, taken: Uint8Array): RawSpan[] {
  const spans: RawSpan[] = [];
  for (const chain of chains(text, taken)) matchChain(text, chain, spans);
  return spans;
}

/** Digit groups that may belong to a number, chained by single spaces or dashes. */
function chains(text: string, taken: Uint8Array): DigitGroup[][] {
  const groups: DigitGroup[] = [];
  for (const m of text.matchAll(/[0-9]+/g)) {
    groups.push({ start: m.index, end: m.index + m[0].length, digits: m[0] });
  }
  const excluded = groups.map((g) => taken[g.start] === 1 || taken[g.end - 1] === 1);
  // A group glued to a short neighbour by '.', ',', '/' or ':' is part of an amount, decimal, date or time.
  // Long groups on both sides ("9876543210,9123456780") are a list, and the separator just separates.
  for (let i = 0; i + 1 < groups.length; i++) {
    const a = groups[i]!;
    const b = groups[i + 1]!;
    if (b.start - a.end === 1 && NUMERIC_JOINERS.includes(text[a.end]!) && Math.min(a.digits.length, b.digits.length) <= 3) {
      excluded[i] = true;
      excluded[i + 1] = true;
    }
  }
  const result: DigitGroup[][] = [];
  let current: DigitGroup[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    const prev = current[current.length - 1];
    const joined = prev !== undefined && g.start - prev.end === 1 && (text[prev.end] === ' ' || text[prev.end] === '-');
    if (!joined && current.length > 0) {
      result.push(current);
      current = [];
    }
    if (excluded[i]) {
      if (current.length > 0) result.push(current);
      current = [];
    } else {
      current.push(g);
    }
  }
  if (current.length > 0) result.push(current);
  return result;
}

function matchChain(text: string, chain: DigitGroup[], out: RawSpan[]): void {
  let i = 0;
  while (i < chain.length) {
    // Furthest group that keeps the candidate within MAX_DIGITS.
    let furthest = i;
    let digits = chain[i]!.digits.length;
    while (furthest + 1 < chain.length && digits + chain[furthest + 1]!.digits.length <= MAX_DIGITS) {
      furthest++;
      digits += chain[furthest]!.digits.length;
    }
    let matched = false;
    for (let j = furthest; j >= i; j--) {
      const groups = chain.slice(i, j + 1);
      const first = groups[0]!;
      const last = groups[groups.length - 1]!;
      const plus = text[first.start - 1] === '+';
      let type = classify(groups, plus, text, first.start, last.end);
      let end = last.end;
      // An account may end in a short group ("5010 0234 5678 97"); if the number before that group is
      // itself an Aadhaar, card or phone, the short group is more likely a separate figure.
      if (type === 'account' && groups.length > 1 && last.digits.length < 3) {
        const shorter = groups.slice(0, -1);
        const before = classify(shorter, plus, text, first.start, shorter[shorter.length - 1]!.end);
        if (before !== null && before !== 'account') {
          type = before;
          end = shorter[shorter.length - 1]!.end;
        }
      }
      if (type !== null) {
        out.push({ type, start: type === 'phone' && plus ? first.start - 1 : first.start, end });
        i = end === last.end ? j + 1 : j;
        matched = true;
        break;
      }
    }
    if (!matched) i++;
  }
}

/**
 * Whether groups of these lengths are a plausible way to write one number: a single run, digits dictated
 * one by one, or groups of at least `minLen` (2 for phones said in pairs, else 3) and at most MAX_GROUP;
 * with `shortTail` the last group may have only 2 digits ("5010 0234 5678 97").
 */
function groupingOk(lens: number[], minLen: number, shortTail = false): boolean {
  if (lens.length === 1) return true;
  if (lens.every((l) => l === 1)) return true;
  const body = shortTail ? lens.slice(0, -1) : lens;
  const tail = lens[lens.length - 1]!;
  return body.every((l) => l >= minLen && l <= MAX_GROUP) && (!shortTail || (tail >= 2 && tail <= MAX_GROUP));
}

const isMobileStart = (d: string | undefined) => d !== undefined && d >= '6' && d <= '9';

/** A mobile number: 10 digits from 6-9, optionally after 0 or 91 (the '+' is outside the digits). */
function isPhone(digits: string, lens: number[]): boolean {
  let prefix: number;
  if (digits.length === 10) prefix = 0;
  else if (digits.length === 11 && digits[0] === '0') prefix = 1;
  else if (digits.length === 12 && digits.startsWith('91')) prefix = 2;
  else return false;
  if (!isMobileStart(digits[prefix])) return false;
  const body = prefix > 0 && lens.length > 1 && lens[0] === prefix ? lens.slice(1) : lens;
  return groupingOk(body, 2);
}

function classify(groups: DigitGroup[], plus: boolean, text: string, start: number, end: number): PiiType | null {
  const digits = groups.map((g) => g.digits).join('');
  const lens = groups.map((g) => g.digits.length);
  const n = digits.length;
  if (n < 9) return null;
  if ((n === 10 || n === 11) && (digits.startsWith('1800') || digits.startsWith('1860'))) return null;

  const phone = isPhone(digits, lens);
  if (n === 12) {
    if (phone && (plus || lens[0] === 2)) return 'phone';
    if (digits[0]! >= '2' && groupingOk(lens, 3) && isValidVerhoeff(digits)) return 'aadhaar';
  }
  if (phone) return 'phone';
  if (n >= 13 && groupingOk(lens, 3) && isValidLuhn(digits)) return 'card';
  if (n <= 18 && groupingOk(lens, 3, true) && !looksLikeAmountOrYears(groups, digits, text, start, end)) return 'account';
  return null;
}

/** Account numbers carry no checksum, so numbers that read as money or as a list of years are left alone. */
function looksLikeAmountOrYears(groups: DigitGroup[], digits: string, text: string, start: number, end: number): boolean {
  if (digits.endsWith('0000')) return true; // "150000000": round sums; accounts rarely end in four zeros
  if (groups.length > 1) {
    if (groups.every((g) => g.digits.endsWith('00'))) return true; // "50000-75000": a range of sums
    if (groups.every((g) => g.digits.length === 4 && (g.digits.startsWith('19') || g.digits.startsWith('20')))) return true;
  }
  return CURRENCY_BEFORE.test(text.slice(Math.max(0, start - 10), start)) || AMOUNT_AFTER.test(text.slice(end, end + 12));
}
