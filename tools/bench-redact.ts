/**
 * PII detection speed (it runs on every turn): ~10 KB of mixed English, Hindi and Hinglish text, and 10 KB
 * of adversarial inputs that would expose a super-linear pattern. Prints medians. Run: npx tsx tools/bench-redact.ts
 */
import { detectPii } from '../src/privacy/index.ts';
import { aadhaarFrom, cardFrom, grouped, toDevanagari } from '../test/privacy/reference-checksums.ts';

const SENTENCES = [
  `My Aadhaar is ${grouped(aadhaarFrom('23456789012'))} and my mobile is +91 98765 43210.`,
  'Gold loan ka rate kya hai? 22 carat, 10 grams, loan 2,50,000 at 9.5% for 12 months, EMI 21,900.',
  `मेरा आधार ${toDevanagari(grouped(aadhaarFrom('98761234560'), 4, '-'))} है और पैन ABCPE1234F है।`,
  `card ${grouped(cardFrom('411111111111111'))}, IFSC SBIN0001234, a/c 50100234567891, mail ramesh.k@example.com`,
  'मुझे २,५०,००० का लोन ९.५% ब्याज पर चाहिए, 2024-03-12 10:30 को शाखा आऊँगा, toll free 1800 123 4567.',
];

function medianMs(text: string, runs = 25): number {
  for (let k = 0; k < 5; k++) detectPii(text);
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    detectPii(text);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

const repeatTo = (unit: string, chars: number) => unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);

const mixed = repeatTo(`${SENTENCES.join(' ')} `, 10_000);
console.log(`detectPii, ${(mixed.length / 1000).toFixed(1)}k chars of mixed text (${detectPii(mixed).length} spans): ${medianMs(mixed).toFixed(2)} ms median`);
for (const [name, unit] of [['dictated digits', '1 '], ['one long word', 'a'], ['many at-signs', 'a@'], ['digit-dash runs', '9-'], ['amount fragments', '1,00,']]) {
  console.log(`detectPii, 10k chars of ${name} (${JSON.stringify(unit)}): ${medianMs(repeatTo(unit!, 10_000), 9).toFixed(2)} ms median`);
}
