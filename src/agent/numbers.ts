/** Rupee amounts the Indian way: 12,34,567 on screen, "12 lakh 34 thousand 567 rupees" in speech. */
import type { Lang } from '../config/lang.ts';

/** Indian digit grouping: last three digits, then pairs (1,00,000; 12,34,567.5). */
export function formatIndian(value: number, fractionDigits?: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`Cannot format ${value} as an amount.`);
  const fixed = fractionDigits === undefined ? String(Math.abs(value)) : Math.abs(value).toFixed(fractionDigits);
  const [int = '0', frac] = fixed.split('.');
  const head = int.slice(0, -3);
  const tail = int.slice(-3);
  const grouped = head ? `${head.replace(/\B(?=(\d{2})+$)/g, ',')},${tail}` : tail;
  return `${value < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** "₹1,00,000" or "₹8,884.88": paise shown only when there are any. */
export function formatRupees(rupees: number): string {
  const paise = Math.round(rupees * 100);
  return `₹${formatIndian(paise / 100, paise % 100 === 0 ? 0 : 2)}`;
}

const WORDS: Record<Lang, { crore: string; lakh: string; thousand: string; rupee: string; rupees: string; paise: string; and: string }> = {
  en: { crore: 'crore', lakh: 'lakh', thousand: 'thousand', rupee: 'rupee', rupees: 'rupees', paise: 'paise', and: 'and' },
  hi: { crore: 'करोड़', lakh: 'लाख', thousand: 'हज़ार', rupee: 'रुपया', rupees: 'रुपये', paise: 'पैसे', and: '' },
};

/** 2,50,000 → "2 lakh 50 thousand" / "2 लाख 50 हज़ार" (digits kept: the TTS voice reads them in its language). */
export function speakNumber(whole: number, lang: Lang): string {
  const w = WORDS[lang];
  const n = Math.floor(Math.abs(whole));
  if (n === 0) return '0';
  const parts: string[] = [];
  const crore = Math.floor(n / 1e7);
  const lakh = Math.floor((n % 1e7) / 1e5);
  const thousand = Math.floor((n % 1e5) / 1e3);
  const rest = n % 1e3;
  // Above 99,999 crore the crore count itself is spoken with Indian grouping ("1,000 crore").
  if (crore) parts.push(`${crore >= 1000 ? formatIndian(crore) : crore} ${w.crore}`);
  if (lakh) parts.push(`${lakh} ${w.lakh}`);
  if (thousand) parts.push(`${thousand} ${w.thousand}`);
  if (rest) parts.push(String(rest));
  return `${whole < 0 ? '-' : ''}${parts.join(' ')}`;
}

/**
 * A rupee amount as it should be spoken, rounded to the paisa:
 * 250000 → "2 lakh 50 thousand rupees"; 8884.88 → "8 thousand 884 rupees and 88 paise" /
 * "8 हज़ार 884 रुपये 88 पैसे".
 */
export function speakAmount(rupees: number, lang: Lang): string {
  if (!Number.isFinite(rupees)) throw new RangeError(`Cannot speak ${rupees} as an amount.`);
  const w = WORDS[lang];
  const totalPaise = Math.round(Math.abs(rupees) * 100);
  const whole = Math.floor(totalPaise / 100);
  const paise = totalPaise % 100;
  const sign = rupees < 0 && totalPaise > 0 ? (lang === 'hi' ? 'माइनस ' : 'minus ') : '';
  const paiseText = `${paise} ${w.paise}`;
  if (whole === 0 && paise > 0) return `${sign}${paiseText}`;
  const rupeeText = `${speakNumber(whole, lang)} ${whole === 1 ? w.rupee : w.rupees}`;
  if (paise === 0) return `${sign}${rupeeText}`;
  return `${sign}${rupeeText} ${w.and ? `${w.and} ` : ''}${paiseText}`;
}

// ₹ 1,00,000 | Rs. 500 | Rs 2,50,000.50 | INR 5000
const AMOUNT_IN_TEXT = /(?:₹|\bRs\.?|\bINR)\s?(\d{1,3}(?:,\d{2,3})+|\d+)(\.\d{1,2})?/gi;

/** Rewrites every "₹…"/"Rs. …" amount in a text as speech, e.g. for passages read aloud. */
export function speakAmountsIn(text: string, lang: Lang): string {
  return text.replace(AMOUNT_IN_TEXT, (_, int: string, frac?: string) =>
    speakAmount(Number(int.replaceAll(',', '') + (frac ?? '')), lang),
  );
}
