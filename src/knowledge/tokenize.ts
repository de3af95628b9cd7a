/**
 * Tokenising and term processing for English, Hindi and Hinglish. The same functions run when the index
 * is built and when a question is searched, so both sides agree on every term.
 */
import { normalize } from './normalize.ts';

// Letters, combining marks (Devanagari matras and virama are marks) and digits; everything else,
// including the danda, splits.
const TOKEN_SPLIT = /[^\p{L}\p{M}\p{N}]+/u;

/** Normalises, then splits into raw tokens (no stop-word removal, no stemming). */
export function tokenize(text: string): string[] {
  return normalize(text)
    .split(TOKEN_SPLIT)
    .filter((t) => t.length > 0);
}

/** Function words that carry no topic in English, Hindi and romanised Hindi. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  // English
  'a', 'an', 'the', 'is', 'are', 'was', 'were', 'be', 'been', 'am', 'what', 'whats', 'which',
  'how', 'do', 'does', 'did', 'i', 'me', 'my', 'mine', 'we', 'our', 'us', 'you', 'your', 'it', 'its', 'of',
  'for', 'to', 'in', 'on', 'at', 'by', 'from', 'with', 'and', 'or', 'if', 'so', 'as', 'this', 'that',
  'these', 'those', 'there', 'here', 'can', 'could', 'will', 'would', 'should', 'shall', 'may', 'might',
  'must', 'have', 'has', 'had', 'get', 'got', 'much', 'many', 'any', 'some', 'please', 'tell', 'know',
  'want', 'need', 'like', 'just', 'also', 'then', 'than', 'when', 'where', 'why', 'all', 'kindly',
  'hi', 'hello', 'sir', 'madam', 'ok', 'okay', 'yes', 'no', 'not', 'dont', 'don', 't', 's', 'im', 'bank',
  // Hinglish
  'hai', 'hain', 'ho', 'hota', 'hoti', 'hote', 'hoga', 'hogi', 'honge', 'tha', 'thi', 'the', 'ka', 'ki', 'ke',
  'ko', 'se', 'me', 'mein', 'mai', 'main', 'mujhe', 'mujhko', 'mera', 'meri', 'mere', 'hum', 'hame', 'hamein',
  'humein', 'hamara', 'aap', 'ap', 'aapka', 'apka', 'aapki', 'apki', 'aapke', 'apke', 'apna', 'apni', 'apne',
  'kya', 'kyaa', 'kaise', 'kaisa', 'kaisi', 'kab', 'kahan', 'kaha', 'kyun', 'kyon', 'kaunsa',
  'konsa', 'kon', 'aur', 'ya', 'bhi', 'to', 'toh', 'jo', 'ye', 'yeh', 'wo', 'woh', 'vo', 'is', 'us',
  'ek', 'hi', 'par', 'pe', 'liye', 'lie', 'chahiye', 'chahie', 'sakta', 'sakte', 'sakti', 'skta', 'skte',
  'milega', 'milegi', 'milenge', 'milta', 'milti', 'milte', 'mil', 'batao', 'bataiye', 'bataye', 'bata',
  'bataen', 'ji', 'kuch', 'koi', 'agar', 'raha', 'rahi', 'rahe', 'gaya', 'gayi', 'gaye', 'karna', 'karni',
  'karne', 'karo', 'karen', 'karein', 'kar', 'krna', 'kare', 'de', 'dena', 'dete', 'deta', 'diya', 'lena',
  'le', 'lete', 'leta', 'wala', 'wali', 'wale', 'vala', 'vali', 'vale', 'tak', 'mujhse', 'kaunse', 'konse',
  'hua', 'hui', 'huye', 'sab', 'abhi', 'jab', 'tab', 'jaise', 'waise', 'haan', 'nahi', 'nahin', 'na',
  // Hindi (after normalize(): nukta folded, chandrabindu → anusvara)
  'है', 'हैं', 'हो', 'होता', 'होती', 'होते', 'होगा', 'होगी', 'होंगे', 'था', 'थी', 'थे', 'का', 'की', 'के', 'को',
  'से', 'में', 'मैं', 'मुझे', 'मेरा', 'मेरी', 'मेरे', 'हम', 'हमें', 'हमारा', 'आप', 'आपका', 'आपकी', 'आपके',
  'अपना', 'अपनी', 'अपने', 'क्या', 'कैसे', 'कैसा', 'कैसी', 'कब', 'कहां', 'क्यों', 'कौनसा', 'कौनसे',
  'और', 'या', 'भी', 'तो', 'जो', 'यह', 'ये', 'वह', 'वो', 'इस', 'उस', 'एक', 'ही', 'पर', 'लिए', 'चाहिए', 'सकता',
  'सकते', 'सकती', 'मिलेगा', 'मिलेगी', 'मिलेंगे', 'मिलता', 'मिलती', 'मिल', 'बताइए', 'बताओ', 'बताएं', 'बताइये',
  'बता', 'जी', 'कुछ', 'कोई', 'अगर', 'रहा', 'रही', 'रहे', 'गया', 'गई', 'गए', 'करना', 'करनी', 'करने', 'करें',
  'कर', 'करो', 'दें', 'देना', 'दे', 'लेना', 'ले', 'वाला', 'वाली', 'वाले', 'तक', 'हुआ', 'हुई', 'सब',
  'अभी', 'जब', 'तब', 'हां', 'नहीं', 'न', 'कृपया', 'ने', 'इसे', 'उसे', 'इसका', 'उसका', 'बैंक', 'हूं',
  // "How much" and "it will cost/take" carry the question's form, not its topic; intents.ts reads them.
  'kitna', 'kitni', 'kitne', 'कितना', 'कितनी', 'कितने', 'कितन', 'lagta', 'lagti', 'lagte', 'lagega', 'lagegi',
  'lagenge', 'लगता', 'लगती', 'लगते', 'लगेगा', 'लगेगी', 'लगेंगे', 'लगत', 'लगेग', 'hoon', 'hu', 'hun', 'honi',
  'hona', 'hone', 'होना', 'होनी', 'होने', 'lene', 'lane', 'milne', 'लेने', 'मिलने',
]);

// Inflections stripped from Devanagari words, longest first (a light stemmer in the spirit of
// Ramanathan & Rao 2003): plural and oblique endings make सोना/सोने, महीना/महीने, दस्तावेज/दस्तावेजों meet.
const HINDI_SUFFIXES = ['ियों', 'ियां', 'ाओं', 'ाएं', 'ाइए', 'ों', 'ें', 'ां', 'ीं', 'े', 'ी', 'ा', 'ि', 'ु', 'ू'];
const DEVANAGARI = /[\u0900-\u097f]/;

/** Light stemming: Hindi inflections, English plural "s"/"ies"; Hinglish variants are left to the lexicon. */
export function stem(term: string): string {
  if (DEVANAGARI.test(term)) {
    for (const suffix of HINDI_SUFFIXES) {
      if (term.length - suffix.length >= 2 && term.endsWith(suffix)) return term.slice(0, -suffix.length);
    }
    return term;
  }
  if (term.length > 4 && term.endsWith('ies')) return `${term.slice(0, -3)}y`;
  if (term.length > 3 && term.endsWith('s') && !/(ss|us|is)$/.test(term)) return term.slice(0, -1);
  return term;
}

/** Drops stop words and stems the rest. Input is a token from tokenize() (already normalised). */
export function baseTerm(token: string): string | null {
  if (STOP_WORDS.has(token)) return null;
  const term = stem(token);
  return STOP_WORDS.has(term) ? null : term;
}
