/**
 * Words a bank's customers say that a small or general model tends to get wrong; CTC beam search favours
 * them (src/speech/ctc/hotwords.ts). Written as the transcripts write them (Devanagari for Hindi, lower-case
 * Latin for English and Hinglish).
 */
export const BANK_TERMS: readonly string[] = [
  'gold loan', 'loan', 'emi', 'interest', 'lakh', 'thousand', 'carat', 'grams', 'documents', 'branch',
  'auction', 'purity', 'aadhaar', 'pan card', 'byaj', 'sona', 'kitna', 'chahiye',
  'गोल्ड लोन', 'लोन', 'ब्याज', 'ईएमआई', 'लाख', 'हज़ार', 'कैरेट', 'ग्राम', 'सोना', 'सोने', 'दस्तावेज़', 'शाखा',
  'नीलामी', 'आधार', 'पैन कार्ड', 'किस्त',
];
