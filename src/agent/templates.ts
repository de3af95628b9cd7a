/**
 * The responder's own sentences, in English and Hindi, written for the screen: amounts arrive formatted
 * (₹2,50,000) and rates as "9.5%"; `speakable()` turns each sentence into what the voice says.
 */
import type { Lang } from '../config/lang.ts';

const pct = (n: number, _lang: Lang) => `${n}%`;
const grams = (g: number) => String(Math.round(g * 100) / 100);

export interface EmiText {
  amount: string;
  ratePct: number;
  months: number;
  emi: string;
  total: string;
  interest: string;
  /** Name of the scheme whose rate was used because the customer gave none. */
  defaultScheme?: string;
}

export interface EligibilityText {
  weightGrams: number;
  karat: number;
  rate: string;
  asOf: string;
  value: string;
  ltvPct: number;
  ltvAmount: string;
  maxLoan: string;
  status: 'ok' | 'capped' | 'below-minimum';
  productMin: string;
  productMax: string;
}

export const TEMPLATES = {
  en: {
    emi: (t: EmiText) =>
      [
        `For a loan of ${t.amount} at ${pct(t.ratePct, 'en')} a year for ${t.months} months, the EMI is ${t.emi}.`,
        `In all you repay ${t.total}, of which ${t.interest} is interest.`,
        t.defaultScheme ? `I used the ${t.defaultScheme} rate of ${pct(t.ratePct, 'en')} a year.` : '',
        'This is an estimate; the branch confirms the final figures.',
      ],
    emiAsk: (missing: ('amount' | 'tenure')[]) =>
      missing.length === 2
        ? 'To work out your EMI, please tell me the loan amount and the tenure, for example 1 lakh rupees for 12 months.'
        : missing[0] === 'amount'
          ? 'To work out your EMI, please tell me the loan amount, for example 1 lakh rupees.'
          : 'To work out your EMI, please tell me the tenure in months, for example 12 months.',
    emiInvalid: (fields: string[]) =>
      `I cannot work out that EMI: ${fields
        .map((f) =>
          f === 'principal'
            ? 'the loan amount must be more than zero'
            : f === 'annualRatePct'
              ? 'the interest rate must be between 0 and 60 percent a year'
              : 'the tenure must be from 1 to 600 months',
        )
        .join(', and ')}. Please tell me again.`,
    tenureNote: (scheme: string, min: number, max: number) => `Note that our ${scheme} runs from ${min} to ${max} months.`,
    amountNote: (min: string, max: string) => `Note that we lend from ${min} to ${max}.`,
    eligibility: (t: EligibilityText) => [
      `For ${grams(t.weightGrams)} grams of ${t.karat} karat gold, at our reference rate of ${t.rate} a gram for 24 karat gold as on ${t.asOf}, the gold is worth ${t.value}.`,
      t.status === 'ok'
        ? `At ${pct(t.ltvPct, 'en')} loan-to-value, you can get a loan of up to ${t.maxLoan}.`
        : t.status === 'capped'
          ? `${pct(t.ltvPct, 'en')} of that is ${t.ltvAmount}, but our maximum loan is ${t.productMax}, so you can get up to ${t.maxLoan}.`
          : `${pct(t.ltvPct, 'en')} of that is ${t.ltvAmount}, which is below our minimum loan of ${t.productMin}, so this gold alone is not enough for a loan.`,
      'The final amount depends on the purity test and the net weight at the branch.',
    ],
    eligibilityAsk: (missing: ('weight' | 'karat')[], ltvPct: number, min: string, max: string) => [
      `We lend up to ${pct(ltvPct, 'en')} of your gold's value, from ${min} to ${max}.`,
      missing.length === 2
        ? 'Please tell me the weight of your gold in grams and its purity in karat, for example 20 grams of 22 karat.'
        : missing[0] === 'weight'
          ? 'Please tell me the weight of your gold in grams, for example 20 grams.'
          : 'Please tell me the purity of your gold in karat, for example 22 karat.',
    ],
    karatInvalid: (karat: number, min: number, max: number) =>
      `We lend on gold of ${min} to ${max} karat, so ${karat} karat gold cannot be accepted.`,
    weightInvalid: () => 'Please tell me a weight of gold more than zero grams, for example 20 grams.',
    handoff: () => [
      'Sorry, I could not find an answer to that in the gold loan information I have.',
      'Shall I connect you to a bank officer?',
    ],
  },
  hi: {
    emi: (t: EmiText) => [
      `${t.amount} के लोन पर ${pct(t.ratePct, 'hi')} सालाना ब्याज से ${t.months} महीने के लिए ईएमआई ${t.emi} होगी।`,
      `कुल ${t.total} चुकाने होंगे, जिसमें ${t.interest} ब्याज है।`,
      t.defaultScheme ? `इसमें ${t.defaultScheme} की ${pct(t.ratePct, 'hi')} सालाना दर ली गई है।` : '',
      'यह अनुमान है; अंतिम राशि शाखा तय करेगी।',
    ],
    emiAsk: (missing: ('amount' | 'tenure')[]) =>
      missing.length === 2
        ? 'ईएमआई निकालने के लिए कृपया लोन की राशि और अवधि बताइए, जैसे 1 लाख रुपये 12 महीने के लिए।'
        : missing[0] === 'amount'
          ? 'ईएमआई निकालने के लिए कृपया लोन की राशि बताइए, जैसे 1 लाख रुपये।'
          : 'ईएमआई निकालने के लिए कृपया बताइए कि लोन कितने महीनों के लिए है, जैसे 12 महीने।',
    emiInvalid: (fields: string[]) =>
      `यह ईएमआई नहीं निकाली जा सकती: ${fields
        .map((f) =>
          f === 'principal'
            ? 'लोन की राशि शून्य से ज़्यादा होनी चाहिए'
            : f === 'annualRatePct'
              ? 'ब्याज दर 0 से 60 प्रतिशत सालाना के बीच होनी चाहिए'
              : 'अवधि 1 से 600 महीनों के बीच होनी चाहिए',
        )
        .join(', और ')}। कृपया फिर से बताइए।`,
    tenureNote: (scheme: string, min: number, max: number) => `ध्यान दें, हमारी ${scheme} ${min} से ${max} महीनों की है।`,
    amountNote: (min: string, max: string) => `ध्यान दें, हम ${min} से ${max} तक का लोन देते हैं।`,
    eligibility: (t: EligibilityText) => [
      `हमारे संदर्भ भाव पर, जो ${t.asOf} को 24 कैरेट सोने के लिए ${t.rate} प्रति ग्राम है, ${t.karat} कैरेट के ${grams(t.weightGrams)} ग्राम सोने की कीमत ${t.value} होती है।`,
      t.status === 'ok'
        ? `${pct(t.ltvPct, 'hi')} लोन-टू-वैल्यू पर आपको ${t.maxLoan} तक का लोन मिल सकता है।`
        : t.status === 'capped'
          ? `इसका ${pct(t.ltvPct, 'hi')} ${t.ltvAmount} होता है, लेकिन हमारा अधिकतम लोन ${t.productMax} है, इसलिए आपको ${t.maxLoan} तक का लोन मिल सकता है।`
          : `इसका ${pct(t.ltvPct, 'hi')} ${t.ltvAmount} होता है, जो हमारे न्यूनतम लोन ${t.productMin} से कम है, इसलिए केवल इस सोने पर लोन नहीं मिल पाएगा।`,
      'अंतिम राशि शाखा में शुद्धता की जाँच और शुद्ध वज़न पर निर्भर करेगी।',
    ],
    eligibilityAsk: (missing: ('weight' | 'karat')[], ltvPct: number, min: string, max: string) => [
      `हम आपके सोने की कीमत का ${pct(ltvPct, 'hi')} तक, ${min} से ${max} तक का लोन देते हैं।`,
      missing.length === 2
        ? 'कृपया अपने सोने का वज़न ग्राम में और उसकी शुद्धता कैरेट में बताइए, जैसे 22 कैरेट का 20 ग्राम सोना।'
        : missing[0] === 'weight'
          ? 'कृपया अपने सोने का वज़न ग्राम में बताइए, जैसे 20 ग्राम।'
          : 'कृपया अपने सोने की शुद्धता कैरेट में बताइए, जैसे 22 कैरेट।',
    ],
    karatInvalid: (karat: number, min: number, max: number) =>
      `हम ${min} से ${max} कैरेट के सोने पर लोन देते हैं, इसलिए ${karat} कैरेट का सोना स्वीकार नहीं किया जा सकता।`,
    weightInvalid: () => 'कृपया सोने का वज़न शून्य से ज़्यादा ग्राम में बताइए, जैसे 20 ग्राम।',
    handoff: () => [
      'माफ़ कीजिए, गोल्ड लोन की मेरी जानकारी में इसका उत्तर नहीं मिला।',
      'क्या मैं आपको बैंक अधिकारी से जोड़ दूँ?',
    ],
  },
} satisfies Record<Lang, unknown>;

/** "9.5%" → "9.5 percent" / "9.5 प्रतिशत", so every voice reads it the same way. */
export function speakPercents(text: string, lang: Lang): string {
  return text.replace(/(\d)\s?%/g, `$1 ${lang === 'hi' ? 'प्रतिशत' : 'percent'}`);
}
