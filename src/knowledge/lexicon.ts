/**
 * A small bilingual lexicon: each group lists the English, Hindi and romanised-Hindi (Hinglish) words for
 * one idea, so "byaj kitna hai" reaches the passages that say "interest" and "ब्याज". Forms are written as
 * people type them; they go through the same normalise/stem pipeline as the index, so nukta and plural
 * variants need not be listed. Question words (kitna, कितना) are stop words for retrieval; intents.ts
 * reads them to pick a tool.
 */
import { baseTerm, tokenize } from './tokenize.ts';

/** Domain concepts: a question that covers one of these is about the knowledge base. */
export const LEXICON: readonly (readonly string[])[] = [
  ['interest', 'byaj', 'byaaj', 'biyaj', 'vyaj', 'ब्याज', 'सूद', 'sood', 'sud'],
  ['rate', 'dar', 'दर', 'रेट', 'ret'],
  ['gold', 'sona', 'sone', 'swarn', 'suvarna', 'सोना', 'सोने', 'स्वर्ण', 'गोल्ड'],
  ['jewellery', 'jewelry', 'ornament', 'gehne', 'gehna', 'gahne', 'gahna', 'zevar', 'jewar', 'zewar', 'गहना', 'गहने', 'जेवर', 'आभूषण'],
  ['document', 'papers', 'paper', 'kagaz', 'kagaj', 'kaagaz', 'kagzat', 'kagzaat', 'kagjat', 'dastavez', 'dastavej', 'dastawez', 'दस्तावेज़', 'कागज़', 'कागज़ात', 'कागजात'],
  ['kyc', 'केवाईसी'],
  ['aadhaar', 'aadhar', 'adhar', 'आधार'],
  ['pan', 'पैन'],
  ['photo', 'photograph', 'tasveer', 'फ़ोटो', 'फोटो', 'तस्वीर'],
  ['proof', 'praman', 'saboot', 'प्रमाण', 'सबूत'],
  ['address', 'pata', 'पता'],
  ['auction', 'nilami', 'neelami', 'nilaami', 'neelam', 'nilam', 'नीलामी', 'नीलाम'],
  ['sell', 'bech', 'bechna', 'bechenge', 'बेचना', 'बेच', 'बेचेंगे'],
  ['eligibility', 'eligible', 'qualify', 'patrata', 'yogyata', 'yogya', 'पात्रता', 'योग्यता', 'योग्य', 'पात्र'],
  ['age', 'umar', 'umra', 'umr', 'aayu', 'ayu', 'उम्र', 'आयु'],
  ['income', 'salary', 'aay', 'aamdani', 'tankhwah', 'vetan', 'आय', 'आमदनी', 'तनख्वाह', 'वेतन', 'सैलरी'],
  ['credit', 'cibil', 'क्रेडिट', 'सिबिल'],
  ['ltv', 'एलटीवी'],
  ['value', 'worth', 'valuation', 'keemat', 'kimat', 'mulya', 'moolya', 'कीमत', 'मूल्य', 'मूल्यांकन', 'वैल्यू'],
  ['price', 'bhav', 'bhaav', 'daam', 'भाव', 'दाम'],
  ['gram', 'gm', 'ग्राम'],
  ['karat', 'carat', 'caret', 'karet', 'कैरेट', 'कैरट'],
  ['fee', 'charge', 'shulk', 'फ़ीस', 'शुल्क', 'चार्ज'],
  ['processing', 'प्रोसेसिंग'],
  ['gst', 'जीएसटी', 'tax', 'टैक्स'],
  ['hidden', 'chhupa', 'छिपा'],
  ['tenure', 'period', 'duration', 'avadhi', 'awadhi', 'muddat', 'अवधि', 'मुद्दत'],
  ['month', 'mahina', 'mahine', 'mahino', 'महीना', 'महीने', 'माह'],
  ['year', 'annual', 'yearly', 'saal', 'sal', 'salana', 'varsh', 'साल', 'सालाना', 'वर्ष', 'वार्षिक'],
  ['repay', 'repayment', 'chukana', 'chukane', 'chukaun', 'chukau', 'lautana', 'चुकाना', 'चुकाने', 'चुकाऊं'],
  ['payment', 'pay', 'bhugtan', 'bharna', 'bharu', 'jama', 'भुगतान', 'भरना', 'जमा', 'पेमेंट'],
  ['emi', 'installment', 'instalment', 'kist', 'kisht', 'ईएमआई', 'किस्त', 'किश्त'],
  ['overdraft', 'od', 'ओवरड्राफ्ट'],
  ['bullet', 'बुलेट'],
  ['part', 'partial', 'aanshik', 'ansh', 'thoda', 'thodi', 'आंशिक', 'थोड़ा', 'थोड़ी', 'prepayment', 'prepay'],
  ['close', 'closure', 'foreclose', 'foreclosure', 'band', 'khatam', 'बंद', 'खत्म', 'फ़ोरक्लोज़र', 'settle'],
  ['return', 'release', 'back', 'wapas', 'vapas', 'wapis', 'वापस', 'वापसी', 'लौटा'],
  ['safe', 'safety', 'secure', 'security', 'surakshit', 'suraksha', 'सुरक्षित', 'सुरक्षा'],
  ['vault', 'locker', 'tijori', 'तिजोरी', 'लॉकर'],
  ['insurance', 'insured', 'bima', 'beema', 'बीमा', 'बीमित'],
  ['theft', 'stolen', 'chori', 'चोरी', 'lost', 'kho', 'खो'],
  ['branch', 'shakha', 'शाखा', 'office', 'ब्रांच'],
  ['process', 'procedure', 'steps', 'prakriya', 'tarika', 'prakriyaa', 'प्रक्रिया', 'तरीका'],
  ['apply', 'application', 'avedan', 'aavedan', 'आवेदन', 'अप्लाई'],
  ['time', 'samay', 'waqt', 'vakt', 'der', 'समय', 'वक्त', 'देर'],
  ['minute', 'hour', 'minat', 'ghanta', 'मिनट', 'घंटा', 'घंटे'],
  ['cash', 'nakad', 'naqad', 'नकद', 'कैश'],
  ['purity', 'pure', 'shuddhata', 'shudhta', 'shuddh', 'shudh', 'शुद्धता', 'शुद्ध'],
  ['test', 'testing', 'check', 'jaanch', 'janch', 'जांच', 'परख', 'parakh'],
  ['hallmark', 'हॉलमार्क'],
  ['melt', 'pighla', 'pighlana', 'पिघला', 'पिघलाना'],
  ['renew', 'renewal', 'naveenikaran', 'navinikaran', 'नवीनीकरण', 'रिन्यू'],
  ['topup', 'top', 'additional', 'extra', 'atirikt', 'अतिरिक्त', 'टॉप'],
  ['extend', 'badhana', 'badha', 'बढ़ाना', 'बढ़ा'],
  ['miss', 'missed', 'chhut', 'chut', 'छूट'],
  ['late', 'delay', 'deri', 'देरी'],
  ['overdue', 'dues', 'baki', 'baaki', 'bakaya', 'बाकी', 'बकाया'],
  ['penalty', 'penal', 'fine', 'jurmana', 'dand', 'जुर्माना', 'दंड'],
  ['default', 'npa', 'एनपीए', 'डिफ़ॉल्ट'],
  ['notice', 'suchna', 'नोटिस', 'सूचना'],
  ['surplus', 'leftover', 'bachi', 'bacha', 'बची', 'बचा'],
  ['coin', 'sikka', 'sikke', 'सिक्का', 'सिक्के'],
  ['minimum', 'min', 'nyuntam', 'न्यूनतम'],
  ['maximum', 'max', 'adhiktam', 'अधिकतम', 'zyada', 'jyada', 'ज़्यादा'],
  ['money', 'amount', 'paisa', 'paise', 'rashi', 'rakam', 'पैसा', 'राशि', 'रकम'],
  ['loan', 'karz', 'karza', 'karj', 'rin', 'लोन', 'ऋण', 'कर्ज़'],
  ['stone', 'nag', 'नग', 'पत्थर'],
  ['upi', 'यूपीआई'],
  ['bring', 'laana', 'lana', 'लाना', 'लाएं'],
  ['agreement', 'anubandh', 'अनुबंध'],
  ['hours', 'timings', 'khulta', 'खुलता'],
];

/**
 * Question words that point at a kind of answer but say nothing about the domain: "who" leans to
 * eligibility, "about" to the overview. Mapped like the concepts, never counted as evidence of relevance.
 */
export const QUESTION_WORDS: readonly (readonly string[])[] = [
  ['who', 'whom', 'kaun', 'kon', 'कौन'],
  ['about', 'overview', 'information', 'details', 'bare', 'baare', 'jankari', 'jaankari', 'बारे', 'जानकारी'],
];

const WORD = '[\\p{L}\\p{M}\\p{N}]';
const phrase = (pattern: string) => new RegExp(`(?<!${WORD})(?:${pattern})(?!${WORD})`, 'gu');

/**
 * Multi-word rewrites applied to normalised text before tokenising: "कौन से" is "which", not "who";
 * "kitne saal" and "how many months" ask for the tenure.
 */
export const PHRASES: readonly (readonly [RegExp, string])[] = [
  [phrase('(?:kaun|kon|कौन)(?: (?:kaun|kon|कौन))? (?:se|si|sa|से|सी|सा)'), 'kaunse'],
  [phrase('(?:kitne|kitna|कितने|कितना|how many|how long) (?:saal|sal|mahine|mahino|years?|months?|साल|महीने|महीनों|वर्ष)'), '$& tenure'],
];

export function rewritePhrases(normalized: string): string {
  let out = normalized;
  for (const [pattern, replacement] of PHRASES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Synonym lookup: every form of a group maps to the group's concept term (its first word, analysed).
 * Used at index and at query time, so "byaj", "ब्याज" and "interest" all become the term "interest" and
 * count once; expanding a question into every form instead would let a concept with many spellings
 * outweigh the rest of the question.
 */
export class Lexicon {
  private readonly concepts = new Map<string, string[]>();
  private readonly conceptTerms = new Set<string>();

  constructor(domain: readonly (readonly string[])[] = LEXICON, questionWords = QUESTION_WORDS) {
    for (const group of [...domain, ...questionWords]) {
      const forms = group.flatMap((w) => analyzeBase(w));
      const concept = forms[0];
      if (!concept) continue;
      if (domain.includes(group)) this.conceptTerms.add(concept);
      for (const form of new Set(forms)) {
        const existing = this.concepts.get(form) ?? [];
        if (!existing.includes(concept)) existing.push(concept);
        this.concepts.set(form, existing);
      }
    }
  }

  /** The concept terms a processed term stands for, or undefined when the lexicon does not know it. */
  conceptsOf(term: string): readonly string[] | undefined {
    return this.concepts.get(term);
  }

  /** True for a term that names a domain concept (a lexicon group), e.g. "interest", "auction". */
  isConcept(term: string): boolean {
    return this.conceptTerms.has(term);
  }

  get size(): number {
    return this.concepts.size;
  }
}

export const DEFAULT_LEXICON = new Lexicon();

/** Stop words dropped and stems taken, before the lexicon. */
function analyzeBase(text: string): string[] {
  const out: string[] = [];
  for (const token of tokenize(text)) {
    const term = baseTerm(token);
    if (term) out.push(term);
  }
  return out;
}
