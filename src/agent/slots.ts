/**
 * Slot extraction for the tools: loan amount, interest rate, tenure, gold weight and karat, from English,
 * Hindi and Hinglish ("2 lakh", "₹50,000", "5 लाख", "paanch lakh", "12 mahine", "2 साल", "20 ग्राम",
 * "2 tola", "22 carat", "22K", "22 कैरेट"). Units are matched first and their spans blanked, so "20 grams"
 * never becomes an amount.
 */
import { normalize } from '../knowledge/normalize.ts';

export interface Slots {
  /** Loan amount in rupees. */
  amount?: number;
  /** Annual interest rate, percent. */
  ratePct?: number;
  tenureMonths?: number;
  weightGrams?: number;
  karat?: number;
}

/** A tola as jewellers weigh it (11.66 g); some shops round to 10 g, so answers state the grams used. */
export const GRAMS_PER_TOLA = 11.66;

// Keys are in normalize() form: nukta folded (डेढ़ → डेढ), chandrabindu → anusvara (पाँच → पांच).
const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, fifteen: 15, eighteen: 18, twenty: 20, thirty: 30, forty: 40, fifty: 50, hundred: 100,
  half: 0.5, ek: 1, do: 2, teen: 3, tin: 3, char: 4, chaar: 4, paanch: 5, panch: 5, paach: 5, chhe: 6, chhah: 6,
  che: 6, saat: 7, sat: 7, aath: 8, ath: 8, nau: 9, das: 10, gyarah: 11, barah: 12, baarah: 12, pandrah: 15,
  atharah: 18, bees: 20, pachees: 25, pachchis: 25, tees: 30, chhattis: 36, chalees: 40, pachas: 50,
  pachaas: 50, sau: 100, dedh: 1.5, dhai: 2.5, adha: 0.5, aadha: 0.5,
  एक: 1, दो: 2, तीन: 3, चार: 4, पांच: 5, छह: 6, छः: 6, सात: 7, आठ: 8, नौ: 9, दस: 10, ग्यारह: 11, बारह: 12,
  पंद्रह: 15, अठारह: 18, बीस: 20, पच्चीस: 25, तीस: 30, छत्तीस: 36, चालीस: 40, पचास: 50, सौ: 100, डेढ: 1.5,
  ढाई: 2.5, आधा: 0.5,
};

const L = '[\\p{L}\\p{M}]';
const START = '(?<![\\p{L}\\p{M}\\p{N}.,])';
const byLengthDesc = (a: string, b: string) => b.length - a.length;
// Digits may touch their unit ("50k", "10g"); a number word must end where its word ends ("ten" ≠ "tenure").
const NUM = `(?:\\d{1,3}(?:,\\d{2,3})+|\\d+)(?:\\.\\d+)?|(?:${Object.keys(NUMBER_WORDS).sort(byLengthDesc).join('|')})(?!${L})`;
const unit = (words: string) => new RegExp(`${START}(${NUM})\\s*(?:${words})(?!${L})`, 'gu');

const RATE = unit('%|percent|per cent|pratishat|प्रतिशत|फीसदी|fisadi|pc');
const MONTHS = unit('months?|mahine|mahina|mahino|mahinon|महीने|महीना|महीनों|माह|mo|mths?');
const YEARS = unit('years?|yrs?|saal|sal|varsh|baras|साल|वर्ष|बरस');
const GRAMS = unit('grams?|gms?|gm|gr|g|gram|ग्राम');
const TOLAS = unit('tolas?|tole|तोला|तोले');
const KARAT = unit('karats?|carats?|caret|karet|kt|ct|कैरेट|कैरट|केरेट|k');

const MULTIPLIERS: Record<string, number> = {
  crore: 1e7, crores: 1e7, cr: 1e7, karod: 1e7, karor: 1e7, करोड: 1e7,
  lakh: 1e5, lakhs: 1e5, lac: 1e5, lacs: 1e5, laakh: 1e5, लाख: 1e5,
  thousand: 1e3, hazar: 1e3, hazaar: 1e3, hajar: 1e3, हजार: 1e3, k: 1e3,
};
const MULT = Object.keys(MULTIPLIERS).sort(byLengthDesc).join('|');
const CURRENCY = '₹|rs\\.?|inr|rupees?|rupaye|rupaiye|rupay|रुपये|रुपए|रुपया|रु\\.?';
// "₹2 lakh 50 thousand", "5 लाख रुपये", "rs. 50,000", "50000 rupees", "dedh lakh"
const AMOUNT = new RegExp(
  // The lookbehind guards a bare number only: after "rs." the number may touch the dot ("rs.50000").
  `(?:(${CURRENCY})\\s*|${START})(${NUM})\\s*(?:(${MULT})(?!${L})(?:\\s*(${NUM})\\s*(${MULT})(?!${L}))?)?(?:\\s*(${CURRENCY})(?!${L}))?`,
  'gu',
);

function toNumber(text: string): number {
  const word = NUMBER_WORDS[text];
  if (word !== undefined) return word;
  return Number(text.replaceAll(',', ''));
}

/** Finds the first match, blanks it so later slots cannot reuse it, and returns its number. */
function take(work: { text: string }, pattern: RegExp): number | undefined {
  pattern.lastIndex = 0;
  const m = pattern.exec(work.text);
  if (!m || m[1] === undefined) return undefined;
  work.text = work.text.slice(0, m.index) + ' '.repeat(m[0].length) + work.text.slice(m.index + m[0].length);
  const value = toNumber(m[1]);
  return Number.isFinite(value) ? value : undefined;
}

export function extractSlots(text: string): Slots {
  const work = { text: normalize(text) };
  const slots: Slots = {};
  const rate = take(work, RATE);
  if (rate !== undefined) slots.ratePct = rate;
  const months = take(work, MONTHS);
  const years = take(work, YEARS);
  if (months !== undefined) slots.tenureMonths = months;
  else if (years !== undefined) slots.tenureMonths = Math.round(years * 12);
  const grams = take(work, GRAMS);
  const tolas = take(work, TOLAS);
  if (grams !== undefined) slots.weightGrams = grams;
  else if (tolas !== undefined) slots.weightGrams = Math.round(tolas * GRAMS_PER_TOLA * 100) / 100;
  // "22k" is a karat, "50k" is fifty thousand: only purities a jeweller would name count as karat.
  const karat = peekKarat(work);
  if (karat !== undefined) slots.karat = karat;
  const amount = findAmount(work.text);
  if (amount !== undefined) slots.amount = amount;
  return slots;
}

function peekKarat(work: { text: string }): number | undefined {
  KARAT.lastIndex = 0;
  for (let m = KARAT.exec(work.text); m; m = KARAT.exec(work.text)) {
    const value = toNumber(m[1] ?? '');
    const isBareK = /k$/u.test(m[0]) && !/(kt|karat|carat|caret|karet)s?$/u.test(m[0]);
    if (isBareK && !(value >= 8 && value <= 24)) continue;
    work.text = work.text.slice(0, m.index) + ' '.repeat(m[0].length) + work.text.slice(m.index + m[0].length);
    return value;
  }
  return undefined;
}

function findAmount(text: string): number | undefined {
  AMOUNT.lastIndex = 0;
  for (let m = AMOUNT.exec(text); m; m = AMOUNT.exec(text)) {
    const [, before, num, mult, num2, mult2, after] = m;
    if (num === undefined) continue;
    let value = toNumber(num) * (mult ? (MULTIPLIERS[mult] ?? 1) : 1);
    if (num2 !== undefined && mult2) value += toNumber(num2) * (MULTIPLIERS[mult2] ?? 1);
    // A bare number is an amount only with a currency word or when it is clearly money-sized.
    if (!Number.isFinite(value)) continue;
    if (before || after || mult || value >= 1000) return Math.round(value * 100) / 100;
  }
  return undefined;
}
