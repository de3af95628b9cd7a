import { describe, expect, it } from 'vitest';
import { sanitizeForSpeech } from '../../src/speech/tts/sanitize.ts';
import { espeakVoiceFor } from '../../src/speech/tts/voices.ts';

describe('sanitizeForSpeech', () => {
  it('says rupee amounts, percentages and abbreviations in English', () => {
    expect(sanitizeForSpeech('Your EMI is ₹12,500 at 9.5% p.a.', 'en')).toBe(
      'Your E M I is 12500 rupees at 9.5 percent per annum',
    );
    expect(sanitizeForSpeech('Loan of Rs. 1,50,000 & up to ₹2,00,00,000', 'en-IN')).toBe(
      'Loan of 1 lakh 50000 rupees and up to 2 crore rupees',
    );
  });

  it('says them in Hindi for Hindi replies', () => {
    expect(sanitizeForSpeech('₹1,50,000 का लोन 9.5% ब्याज पर', 'hi')).toBe('150000 रुपये का लोन 9.5 प्रतिशत ब्याज पर');
  });

  it('strips markup, links and emoji, and ends list lines as sentences', () => {
    const reply = '## Documents\n- **PAN** card\n- [Address proof](https://bank.example/docs) 😀\nSee <b>www.bank.example</b>';
    expect(sanitizeForSpeech(reply, 'en')).toBe('Documents. PAN card. Address proof. See');
  });

  it('reads long digit runs one digit at a time', () => {
    expect(sanitizeForSpeech('Call 1800123456', 'en')).toBe('Call 1 8 0 0 1 2 3 4 5 6');
  });

  it('leaves other languages to the voice', () => {
    expect(sanitizeForSpeech('₹500 கடன்', 'ta')).toBe('₹500 கடன்');
  });
});

describe('espeakVoiceFor', () => {
  it('maps Indian languages and regional tags to eSpeak voices', () => {
    expect(espeakVoiceFor('en-IN')).toBe('en');
    expect(espeakVoiceFor('hi')).toBe('hi');
    expect(espeakVoiceFor('hinglish')).toBe('hi');
    expect(espeakVoiceFor('ta_IN')).toBe('ta');
    expect(espeakVoiceFor('hi', 'f3')).toBe('hi+f3');
    expect(() => espeakVoiceFor('fr')).toThrow(/No speech voice for language "fr"/);
  });
});
