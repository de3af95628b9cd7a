import type { Lang } from '../../config/lang.ts';
import { baseLang } from './voices.ts';

interface SpokenWords {
  rupees: string;
  percent: string;
  and: string;
  plus: string;
  equals: string;
  about: string;
  at: string;
}

/** Words for symbols eSpeak NG reads wrongly or drops (Hindi says nothing for ₹; English says "rupee 500"). */
const WORDS: Partial<Record<string, SpokenWords>> = {
  en: { rupees: 'rupees', percent: 'percent', and: 'and', plus: 'plus', equals: 'equals', about: 'about', at: 'at' },
  hi: { rupees: 'रुपये', percent: 'प्रतिशत', and: 'और', plus: 'प्लस', equals: 'बराबर', about: 'लगभग', at: 'एट' },
};
WORDS['hinglish'] = WORDS['en'];

/** English abbreviations common in banking replies. */
const EN_ABBREVIATIONS: Array<[RegExp, string]> = [
  [/\bp\.\s?a\.(?=\s|$)/gi, 'per annum'],
  [/\be\.g\./gi, 'for example'],
  [/\bi\.e\./gi, 'that is'],
  [/\bapprox\./gi, 'approximately'],
  [/\bno\.\s*(?=\d)/gi, 'number '],
];

/** Upper-case words said as words, not letter by letter. */
const SAID_AS_WORDS = new Set(['PAN', 'PIN', 'CIBIL', 'NACH', 'SWIFT', 'OK', 'INDIA']);
const BANKING_ACRONYMS = new Set([
  'EMI', 'KYC', 'OTP', 'ATM', 'UPI', 'NEFT', 'RTGS', 'IMPS', 'IFSC', 'RBI', 'SBI', 'HDFC', 'ICICI', 'NRI', 'GST',
  'LTV', 'CVV', 'MICR', 'NPA', 'FD', 'RD', 'PPF', 'EPF', 'SMS', 'ID', 'PDF', 'KFS', 'APR',
]);

const GROUPED_NUMBER = /\b\d{1,3}(?:,\d{2,3})*,\d{3}\b/g;
const CURRENCY_BEFORE = /(?:₹|\bRs\.?|\bINR)\s*(\d[\d,]*(?:\.\d+)?)/gi;
const CURRENCY_ALONE = /₹|\bRs\.?(?=\s|$)|\bINR\b/gi;

/** 150000 → "1 lakh 50 thousand": Indian English counts in lakhs and crores. */
function lakhCrore(n: number): string {
  const crore = Math.floor(n / 1e7);
  const lakh = Math.floor((n % 1e7) / 1e5);
  const rest = n % 1e5;
  const parts: string[] = [];
  if (crore) parts.push(`${crore} crore`);
  if (lakh) parts.push(`${lakh} lakh`);
  if (rest) parts.push(String(rest));
  return parts.join(' ');
}

function stripMarkup(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // markdown links and images: keep the text
    .replace(/\bhttps?:\/\/\S+|\bwww\.\S+/gi, ' ')
    .replace(/`+/g, ' ')
    .replace(/^[ \t]*(?:#{1,6}|>|[-*•·]|\d+[.)])[ \t]+/gm, '') // headings, quotes, list markers
    .replace(/(\*\*|__|\*|~~)(?=\S)([^*~_\n]*?\S)\1/g, '$2') // emphasis
    .replace(/\p{Extended_Pictographic}\uFE0F?/gu, ' ');
}

/**
 * Turns an agent reply into text eSpeak NG reads well: no markup, links or emoji; symbols, amounts and
 * acronyms as they are said in the reply's language; line breaks as sentence breaks.
 */
export function sanitizeForSpeech(text: string, lang: Lang | string): string {
  const code = lang.toLowerCase() === 'hinglish' ? 'hinglish' : baseLang(lang);
  const words = WORDS[code];
  const english = code === 'en' || code === 'hinglish';
  let s = stripMarkup(text);

  if (english) for (const [re, said] of EN_ABBREVIATIONS) s = s.replace(re, said);
  if (words) {
    // "₹1,50,000" → "1,50,000 rupees": the amount is said before the currency.
    s = s.replace(CURRENCY_BEFORE, (_m, amount: string) => `${amount} ${words.rupees}`);
    s = s.replace(CURRENCY_ALONE, ` ${words.rupees} `);
  }
  // Grouped amounts: Indian English says lakh/crore; the other voices read the plain number in their own way.
  s = s.replace(GROUPED_NUMBER, (m) => {
    const plain = m.replace(/,/g, '');
    return english && plain.length >= 6 ? lakhCrore(Number(plain)) : plain;
  });
  // Long bare digit runs are account or phone numbers: said digit by digit.
  s = s.replace(/\b\d{7,}\b/g, (m) => m.split('').join(' '));
  if (words) {
    s = s
      .replace(/\s*%/g, ` ${words.percent}`)
      .replace(/\s*&\s*/g, ` ${words.and} `)
      .replace(/\s*\+\s*(?=\d|\s)/g, ` ${words.plus} `)
      .replace(/\s*=\s*/g, ` ${words.equals} `)
      .replace(/~\s*(?=\d)/g, `${words.about} `)
      .replace(/\s@\s/g, ` ${words.at} `);
  }
  if (english || code === 'hi') {
    s = s.replace(/\b([A-Z]{2,5})(s?)\b/g, (m, caps: string, plural: string) =>
      !SAID_AS_WORDS.has(caps) && (BANKING_ACRONYMS.has(caps) || !/[AEIOU]/.test(caps))
        ? `${caps.split('').join(' ')}${plural ? "'s" : ''}`
        : m,
    );
  }
  return s
    .replace(/[*_#|\\^{}[\]<>`~]/g, ' ')
    .replace(/([^.!?।,:;\s])[ \t]*\n/g, '$1.\n') // a line break ends a sentence (list items, headings)
    .replace(/\s+/g, ' ')
    .trim();
}
