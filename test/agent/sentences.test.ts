import { describe, expect, it } from 'vitest';
import { chunkSentences, SentenceStream } from '../../src/agent/sentences.ts';

describe('chunkSentences', () => {
  it('keeps numbers, currency and abbreviations inside their sentence', () => {
    expect(chunkSentences('Interest is 9.5% a year. The fee is Rs. 500 plus GST! Pay ₹1,00,000.50 by e.g. UPI. Done?')).toEqual([
      'Interest is 9.5% a year.',
      'The fee is Rs. 500 plus GST!',
      'Pay ₹1,00,000.50 by e.g. UPI.',
      'Done?',
    ]);
  });

  it('handles initials, titles and p.a.', () => {
    expect(chunkSentences('Mr. A. K. Sharma will help you. Rates are 9.5% p.a. on the EMI scheme.')).toEqual([
      'Mr. A. K. Sharma will help you.',
      'Rates are 9.5% p.a. on the EMI scheme.',
    ]);
  });

  it('splits Hindi on the danda, with or without a following space', () => {
    expect(chunkSentences('ब्याज दर 9.5% सालाना है। शुल्क ₹500 है।अगर आप चाहें॥ ठीक है')).toEqual([
      'ब्याज दर 9.5% सालाना है।',
      'शुल्क ₹500 है।',
      'अगर आप चाहें॥',
      'ठीक है',
    ]);
  });

  it('keeps closing quotes and brackets with the sentence and collapses "?!" and "..."', () => {
    expect(chunkSentences('He said "pay now." Really?! Wait... ok.')).toEqual(['He said "pay now."', 'Really?!', 'Wait...', 'ok.']);
  });

  it('returns nothing for blank text', () => {
    expect(chunkSentences('  ')).toEqual([]);
  });
});

describe('SentenceStream', () => {
  const text = 'Interest is 9.5% a year. The fee is Rs. 500. ब्याज दर 9.5% है। बाकी ₹1,00,000.50 है।';
  const expected = chunkSentences(text);

  it.each([1, 2, 3, 7])('gives the same sentences when fed %d characters at a time', (size) => {
    const stream = new SentenceStream();
    const out: string[] = [];
    const chars = [...text];
    for (let i = 0; i < chars.length; i += size) out.push(...stream.push(chars.slice(i, i + size).join('')));
    out.push(...stream.flush());
    expect(out).toEqual(expected);
  });

  it('emits a sentence as soon as the next one starts, before the stream ends', () => {
    const stream = new SentenceStream();
    expect(stream.push('The rate is 9.')).toEqual([]);
    expect(stream.push('5% a year. ')).toEqual([]);
    expect(stream.push('The')).toEqual(['The rate is 9.5% a year.']);
    expect(stream.flush()).toEqual(['The']);
  });
});
