/** Retrieval evaluation set: questions as customers ask them (English, Hindi, Hinglish) with the expected topic. */
export interface EvalQuestion {
  q: string;
  topic: string;
}

export const EVAL_QUESTIONS: EvalQuestion[] = [
  // English
  { q: 'Who is eligible for a gold loan?', topic: 'gl-eligibility' },
  { q: 'Is there an age limit to apply?', topic: 'gl-eligibility' },
  { q: 'Do I need a good CIBIL score?', topic: 'gl-eligibility' },
  { q: 'Which documents should I carry?', topic: 'gl-documents' },
  { q: 'Is PAN card mandatory? I only have Aadhaar', topic: 'gl-documents' },
  { q: 'What is the loan to value ratio?', topic: 'gl-ltv' },
  { q: 'How much loan will I get per gram of gold?', topic: 'gl-ltv' },
  { q: 'What gold rate do you use for valuation today?', topic: 'gl-gold-rate' },
  { q: 'What is the rate of interest on gold loans?', topic: 'gl-interest-fees' },
  { q: 'Are there any processing charges or GST?', topic: 'gl-interest-fees' },
  { q: 'What repayment options do you have?', topic: 'gl-repayment' },
  { q: 'What is the maximum tenure of the loan?', topic: 'gl-repayment' },
  { q: 'Can I pay back some of the loan early without penalty?', topic: 'gl-part-payment' },
  { q: 'How do I close my loan and get my jewellery back?', topic: 'gl-closure' },
  { q: 'Is there a foreclosure charge?', topic: 'gl-closure' },
  { q: 'Will you auction my gold if I do not pay?', topic: 'gl-auction' },
  { q: 'Is my gold safe in your vault? Is it insured?', topic: 'gl-safety' },
  { q: 'What are the steps at the branch and how long does it take?', topic: 'gl-branch-process' },
  { q: 'How do you check the purity of my ornaments? Will you melt them?', topic: 'gl-purity' },
  { q: 'Can I renew my loan when the tenure ends?', topic: 'gl-renewal-topup' },
  { q: 'Gold prices went up, can I get a top up on the same gold?', topic: 'gl-renewal-topup' },
  { q: 'What happens if I miss an EMI?', topic: 'gl-missed-payment' },
  { q: 'Tell me about your gold loan scheme', topic: 'gl-overview' },
  // Hindi
  { q: 'गोल्ड लोन के लिए कौन से दस्तावेज़ चाहिए?', topic: 'gl-documents' },
  { q: 'सोने पर लोन कौन ले सकता है?', topic: 'gl-eligibility' },
  { q: 'ब्याज दर कितनी है?', topic: 'gl-interest-fees' },
  { q: 'प्रोसेसिंग फ़ीस कितनी लगेगी?', topic: 'gl-interest-fees' },
  { q: 'क्या मेरा सोना बैंक में सुरक्षित रहेगा?', topic: 'gl-safety' },
  { q: 'लोन न चुकाने पर क्या सोने की नीलामी होगी?', topic: 'gl-auction' },
  { q: 'लोन कितने महीने के लिए मिलता है और किस्त कैसे भरनी होगी?', topic: 'gl-repayment' },
  { q: 'आज सोने का भाव क्या है?', topic: 'gl-gold-rate' },
  { q: 'लोन जल्दी बंद करना हो तो क्या करना होगा?', topic: 'gl-closure' },
  { q: 'सोने की शुद्धता कैसे जांचते हैं?', topic: 'gl-purity' },
  { q: 'किस्त देर से भरी तो कितना जुर्माना लगेगा?', topic: 'gl-missed-payment' },
  { q: 'शाखा में लोन लेने में कितना समय लगता है?', topic: 'gl-branch-process' },
  { q: 'क्या मैं थोड़ा थोड़ा पैसा जमा कर सकता हूँ?', topic: 'gl-part-payment' },
  { q: 'एलटीवी कितना है?', topic: 'gl-ltv' },
  { q: 'लोन का नवीनीकरण कैसे होगा?', topic: 'gl-renewal-topup' },
  // Hinglish
  { q: 'gold loan pe byaj kitna lagta hai?', topic: 'gl-interest-fees' },
  { q: 'mujhe kaun kaun se kagaz lane honge?', topic: 'gl-documents' },
  { q: 'gold loan lene ke liye kya dastavez chahiye', topic: 'gl-documents' },
  { q: 'kya mera sona safe rahega bank mein?', topic: 'gl-safety' },
  { q: 'loan nahi chukaya to nilami kab hogi?', topic: 'gl-auction' },
  { q: 'gold loan kitne saal ke liye milta hai?', topic: 'gl-repayment' },
  { q: 'loan band karna hai, sona wapas kaise milega?', topic: 'gl-closure' },
  { q: 'kya main beech mein thoda paisa jama kar sakta hoon?', topic: 'gl-part-payment' },
  { q: 'emi miss ho gayi to kya hoga?', topic: 'gl-missed-payment' },
  { q: 'branch mein kitna time lagega loan milne mein?', topic: 'gl-branch-process' },
  { q: 'aaj sone ka bhav kya hai?', topic: 'gl-gold-rate' },
  { q: 'umar kitni honi chahiye gold loan ke liye?', topic: 'gl-eligibility' },
  { q: 'processing fee aur gst kitna hai?', topic: 'gl-interest-fees' },
  { q: 'sone ki shuddhata ki jaanch kaise karte ho?', topic: 'gl-purity' },
  { q: 'loan renew karwana hai, kya karna hoga?', topic: 'gl-renewal-topup' },
];

/** Not about gold loans: the agent must say so and offer a person. */
export const OFF_TOPIC: string[] = [
  'what is the weather today',
  'cricket score',
  'who won the cricket match yesterday',
  'aaj mausam kaisa hai?',
  'मुझे फिल्म की टिकट बुक करनी है',
  'tell me a joke',
  'play some music',
];

/**
 * Written after the lexicon and thresholds were tuned on EVAL_QUESTIONS, and not tuned on: an honest
 * estimate of how retrieval does on wording it has not seen.
 */
export const HELD_OUT_QUESTIONS: EvalQuestion[] = [
  { q: 'Can a farmer take this loan without salary slips?', topic: 'gl-eligibility' },
  { q: 'I am 72 years old, can I still apply?', topic: 'gl-eligibility' },
  { q: 'Do you need my photographs for KYC?', topic: 'gl-documents' },
  { q: 'What percentage of my gold value do you lend?', topic: 'gl-ltv' },
  { q: 'How is the price of 22 carat gold decided?', topic: 'gl-gold-rate' },
  { q: 'Is there any hidden fee?', topic: 'gl-interest-fees' },
  { q: 'Do you have an overdraft option against gold?', topic: 'gl-repayment' },
  { q: 'Can I repay a portion of my loan through UPI?', topic: 'gl-part-payment' },
  { q: 'When will my ornaments be returned after I pay everything?', topic: 'gl-closure' },
  { q: 'Will I get the extra money if my gold is sold in an auction?', topic: 'gl-auction' },
  { q: 'What if my gold is stolen from the bank?', topic: 'gl-safety' },
  { q: 'What are the branch timings?', topic: 'gl-branch-process' },
  { q: 'Is a hallmark needed on my jewellery?', topic: 'gl-purity' },
  { q: 'Can I get more money on the same gold later?', topic: 'gl-renewal-topup' },
  { q: 'I cannot pay this month, will my credit score drop?', topic: 'gl-missed-payment' },
  { q: 'क्या किसान भी गोल्ड लोन ले सकते हैं?', topic: 'gl-eligibility' },
  { q: 'पैन कार्ड नहीं है तो क्या करें?', topic: 'gl-documents' },
  { q: 'गहनों की जांच में क्या सोना पिघलाया जाता है?', topic: 'gl-purity' },
  { q: 'मेरी किस्त छूट गई है, अब क्या होगा?', topic: 'gl-missed-payment' },
  { q: 'क्या ओवरड्राफ्ट की सुविधा है?', topic: 'gl-repayment' },
  { q: 'सोने का बीमा कौन करता है?', topic: 'gl-safety' },
  { q: 'kya aadhar card se kaam chal jayega?', topic: 'gl-documents' },
  { q: 'processing charge kitna katega?', topic: 'gl-interest-fees' },
  { q: 'nilami se pehle notice milega kya?', topic: 'gl-auction' },
  { q: 'sona girvi rakhne ke baad top up mil sakta hai?', topic: 'gl-renewal-topup' },
  { q: 'kya gehne pighla dete ho jaanch ke liye?', topic: 'gl-purity' },
];
