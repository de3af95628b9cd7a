import { describe, expect, it } from 'vitest';
import { detectLanguage, replyLanguage } from '../../src/agent/language.ts';

describe('detectLanguage', () => {
  it.each([
    ['What is the interest rate?', 'en'],
    ['How much loan can I get on 20 grams?', 'en'],
    ['Is my gold safe in the vault', 'en'],
    ['I need 2 lakh for my daughter', 'en'],
    ['ब्याज दर कितनी है?', 'hi'],
    ['मुझे gold loan चाहिए', 'hi'],
    ['गोल्ड लोन के लिए KYC documents कौन से चाहिए', 'hi'],
    ['gold loan pe byaj kitna hai', 'hinglish'],
    ['mujhe loan chahiye', 'hinglish'],
    ['kaise apply karein', 'hinglish'],
    ['EMI kitni hogi 2 lakh pe', 'hinglish'],
    ['sona safe rahega?', 'hinglish'],
  ])('%s → %s', (text, lang) => expect(detectLanguage(text)).toBe(lang));

  it('needs two weak cues before calling Indian English Hinglish', () => {
    expect(detectLanguage('Loan of 2 lakh')).toBe('en');
    expect(detectLanguage('Ramesh ji ke liye')).toBe('hinglish');
  });
});

describe('replyLanguage', () => {
  it('answers Hindi and Hinglish in Hindi, English in English', () => {
    expect(replyLanguage('hi')).toBe('hi');
    expect(replyLanguage('hinglish')).toBe('hi');
    expect(replyLanguage('en')).toBe('en');
  });

  it('lets an explicit language win', () => {
    expect(replyLanguage('hinglish', 'en')).toBe('en');
    expect(replyLanguage('en', 'hi')).toBe('hi');
  });
});
