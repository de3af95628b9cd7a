/**
 * eSpeak NG synthesis timings in Node: cold start (bundle read + verify, compile, warm instance), the first
 * sentence, and warm per-sentence time over 20+ Hindi and English sentences; for comparison, a fresh
 * instance per sentence as the espeak-ng package's README does it. Run: npx tsx tools/bench-tts.ts
 */
import ESpeakNg from 'espeak-ng';
import { openDefaultBundle } from '../src/bundles/node-source.ts';
import { EspeakTts } from '../src/speech/tts/espeak.ts';

const EN = [
  'Welcome to the bank, how can I help you today?',
  'Your gold loan application has been approved.',
  'The interest rate on a gold loan starts at nine percent a year.',
  'You can borrow up to seventy five percent of the value of your gold.',
  'Please bring your identity proof and address proof to the branch.',
  'The loan amount will be credited to your account within one working day.',
  'You can repay the loan in monthly instalments or in one bullet payment.',
  'Your gold is stored in a secure vault and is fully insured.',
  'There is a processing fee of half a percent of the loan amount.',
  'You can close the loan early without any penalty.',
  'The minimum loan amount is ten thousand rupees.',
  'We accept gold jewellery of eighteen carat purity or more.',
  'Gold coins up to fifty grams are also accepted.',
  'Your next instalment is due on the fifth of every month.',
  'If you miss a payment, a late fee will apply.',
  'You can check your loan balance in the mobile app.',
  'The valuation of your gold is done in front of you.',
  'The loan tenure can be up to twelve months.',
  'You can renew the loan at the end of the tenure.',
  'Is there anything else I can help you with?',
];
const HI = [
  'बैंक में आपका स्वागत है, मैं आपकी क्या मदद कर सकता हूँ?',
  'आपका गोल्ड लोन आवेदन स्वीकृत हो गया है।',
  'गोल्ड लोन पर ब्याज दर नौ प्रतिशत सालाना से शुरू होती है।',
  'आप अपने सोने के मूल्य का पचहत्तर प्रतिशत तक उधार ले सकते हैं।',
  'कृपया अपना पहचान प्रमाण और पते का प्रमाण शाखा में लाएँ।',
  'लोन की राशि एक कार्य दिवस में आपके खाते में जमा हो जाएगी।',
  'आप लोन मासिक किस्तों में या एक साथ चुका सकते हैं।',
  'आपका सोना सुरक्षित तिजोरी में रखा जाता है और पूरी तरह बीमित है।',
  'लोन राशि का आधा प्रतिशत प्रोसेसिंग शुल्क लगता है।',
  'आप बिना किसी जुर्माने के लोन जल्दी बंद कर सकते हैं।',
  'न्यूनतम लोन राशि दस हज़ार रुपये है।',
  'हम अठारह कैरेट या उससे अधिक शुद्धता के गहने स्वीकार करते हैं।',
  'पचास ग्राम तक के सोने के सिक्के भी स्वीकार किए जाते हैं।',
  'आपकी अगली किस्त हर महीने की पाँच तारीख को देय है।',
  'भुगतान चूकने पर विलंब शुल्क लगेगा।',
  'आप मोबाइल ऐप में अपना लोन बैलेंस देख सकते हैं।',
  'आपके सोने का मूल्यांकन आपके सामने किया जाता है।',
  'लोन की अवधि बारह महीने तक हो सकती है।',
  'अवधि के अंत में आप लोन का नवीनीकरण कर सकते हैं।',
  'क्या मैं आपकी और कोई मदद कर सकता हूँ?',
];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
};
const fmt = (xs: number[]) => `median ${quantile(xs, 0.5).toFixed(1)} ms, p95 ${quantile(xs, 0.95).toFixed(1)} ms (n=${xs.length})`;

const t0 = performance.now();
const source = await openDefaultBundle();
const wasm = await source.readRole('tts');
const t1 = performance.now();
const tts = await EspeakTts.fromWasm(wasm);
const t2 = performance.now();
console.log(`cold start: ${(t2 - t0).toFixed(0)} ms (bundle read + SHA-256 ${(t1 - t0).toFixed(0)} ms, compile + warm instance ${(t2 - t1).toFixed(0)} ms)`);

let s = performance.now();
await tts.synthesize(EN[0]!, 'en');
console.log(`first sentence (en): ${(performance.now() - s).toFixed(1)} ms`);

for (const [lang, sentences] of [['en', EN], ['hi', HI]] as const) {
  const times: number[] = [];
  let audio = 0;
  for (const text of sentences) {
    s = performance.now();
    const pcm = await tts.synthesize(text, lang);
    times.push(performance.now() - s);
    audio += pcm.samples.length / pcm.sampleRate;
    await new Promise((r) => setTimeout(r, 5)); // idle gap between sentences, as in a conversation
  }
  const total = times.reduce((a, b) => a + b, 0);
  console.log(`warm ${lang}: ${fmt(times)}; ${audio.toFixed(1)} s of audio, real-time factor ${(total / 1000 / audio).toFixed(3)}`);
}

// Reference: a fresh instance for every sentence (the package README's way).
const fresh: number[] = [];
for (const text of [...EN.slice(0, 5), ...HI.slice(0, 5)]) {
  s = performance.now();
  const m = await ESpeakNg({
    arguments: ['-v', /[a-z]/i.test(text) ? 'en' : 'hi', '-w', '/o.wav', '--', text],
    wasmBinary: wasm,
    print: () => {},
    printErr: () => {},
    quit: (_status, e) => {
      throw e;
    },
  });
  m.FS.readFile('/o.wav');
  fresh.push(performance.now() - s);
}
console.log(`fresh instance per sentence (reference): ${fmt(fresh)}`);
