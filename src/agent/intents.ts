/**
 * Which tool, if any, a question asks for. Questions about the EMI scheme or eligibility rules are
 * answered from the knowledge base; only calculation requests (with numbers, or "how much") go to a tool.
 */
import { normalize } from '../knowledge/normalize.ts';
import type { Slots } from './slots.ts';

export type ToolName = 'emi' | 'eligibility';

const word = (alternatives: string) => new RegExp(`(?<![\\p{L}\\p{M}])(?:${alternatives})(?![\\p{L}\\p{M}])`, 'u');

const EMI_CUE = word(
  'emis?|ईएमआई|installments?|instalments?|kist|kisht|kisten|किस्त|किश्त|किस्तें|monthly payment|monthly instalment|har mahine|हर महीने|mahine ka|महीने का|per month',
);
const CALC_CUE = word(
  'calculate|calculator|compute|work out|how much|kitni|kitna|kitne|कितनी|कितना|कितने|what will|what would|hisab|hisaab|हिसाब|batao|bataiye|बताओ|बताइए|बताइये|nikalo|निकालो|निकालिए',
);
const RATE_TOPIC = word('interest|byaj|byaaj|ब्याज|rate|rates|dar|दर');
const LOAN_AMOUNT_CUE = word(
  [
    'how much (?:loan|money|amount|can i (?:get|borrow|take))',
    'loan amount',
    'max(?:imum)? loan',
    'can i borrow',
    'eligible for how much',
    '(?:kitna|kitne ka|kitni) (?:loan|paisa|paise|rin|karz|rakam|amount)',
    '(?:loan|paisa|paise) kitna',
    '(?:कितना|कितने का|कितनी) (?:लोन|ऋण|पैसा|पैसे|रकम|राशि)',
    '(?:लोन|ऋण|पैसा|पैसे) कितना',
  ].join('|'),
);
const PER_GRAM = word('per gram|prati gram|प्रति ग्राम|1 gram|एक ग्राम|ek gram');

export interface Intent {
  tool?: ToolName;
  /** The question asks about one gram ("per gram"), so a missing weight means 1 g. */
  perGram: boolean;
}

export function detectIntent(text: string, slots: Slots): Intent {
  const norm = normalize(text);
  const perGram = PER_GRAM.test(norm);
  const hasLoanNumbers = slots.amount !== undefined || slots.tenureMonths !== undefined;
  if (EMI_CUE.test(norm) && (hasLoanNumbers || (CALC_CUE.test(norm) && !RATE_TOPIC.test(norm)))) {
    return { tool: 'emi', perGram };
  }
  // "2 lakh for 12 months at 10%" names no tool but can only be an EMI question.
  if (slots.amount !== undefined && slots.tenureMonths !== undefined && slots.weightGrams === undefined) {
    return { tool: 'emi', perGram };
  }
  if (slots.weightGrams !== undefined || LOAN_AMOUNT_CUE.test(norm) || (perGram && slots.karat !== undefined)) {
    return { tool: 'eligibility', perGram };
  }
  return { perGram };
}
