/**
 * Which language the customer used, and which language to answer in. Hindi in Devanagari is "hi";
 * Hindi typed or transcribed in Latin letters (Hinglish) is recognised by its function words.
 */
import type { InputLang, Lang } from '../config/lang.ts';
import { devanagariShare, normalize } from '../knowledge/normalize.ts';

// Romanised Hindi words that do not occur in English sentences (so "main", "to", "me" are left out).
const HINGLISH_CUES = new Set([
  'kya', 'kyaa', 'hai', 'hain', 'kitna', 'kitni', 'kitne', 'mujhe', 'mujhko', 'mera', 'meri', 'mere', 'chahiye',
  'chahie', 'kaise', 'kaisa', 'kaisi', 'kab', 'kahan', 'kyun', 'kyon', 'nahi', 'nahin', 'karna', 'karni',
  'karne', 'karo', 'karein', 'karen', 'milega', 'milegi', 'milta', 'milti', 'sakta', 'sakte', 'sakti', 'batao',
  'bataiye', 'bataye', 'hoga', 'hogi', 'hota', 'hoti', 'ka', 'ki', 'ke', 'ko', 'se', 'mein', 'aur', 'bhi',
  'toh', 'liye', 'lena', 'dena', 'wala', 'wali', 'wale', 'kaun', 'kaunsa', 'konsa', 'agar', 'apna', 'apne',
  'aap', 'aapka', 'apka', 'hum', 'humein', 'tha', 'thi', 'raha', 'rahi', 'gaya', 'gayi', 'byaj', 'byaaj',
  'sona', 'sone', 'kagaz', 'dastavez', 'nilami', 'saal', 'mahine', 'mahina', 'paisa', 'paise', 'rupaye',
  'rupay', 'lakh', 'hazaar', 'hazar', 'wapas', 'vapas', 'kist', 'kisht', 'haan', 'ji', 'accha', 'acha',
  'theek', 'thik', 'pe', 'par', 'lagega', 'lagta', 'lagti',
]);
// "ki", "ke", "se", "par" and "lakh" appear in Indian English too; they count only alongside another cue.
const WEAK_CUES = new Set(['ka', 'ki', 'ke', 'ko', 'se', 'pe', 'par', 'lakh', 'ji', 'bhi', 'aur']);

/** 'hi' for Devanagari, 'hinglish' for romanised Hindi, otherwise 'en'. */
export function detectLanguage(text: string): InputLang {
  const norm = normalize(text);
  if (devanagariShare(norm) >= 0.3) return 'hi';
  let strong = 0;
  let weak = 0;
  for (const word of norm.split(/[^a-z]+/)) {
    if (!HINGLISH_CUES.has(word)) continue;
    if (WEAK_CUES.has(word)) weak++;
    else strong++;
  }
  return strong >= 1 || weak >= 2 ? 'hinglish' : 'en';
}

/** Hindi and Hinglish speakers are answered in Hindi (Devanagari, spoken by the Hindi voice). */
export function replyLanguage(detected: InputLang, override?: Lang): Lang {
  if (override) return override;
  return detected === 'en' ? 'en' : 'hi';
}
