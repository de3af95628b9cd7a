import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/knowledge/analyzer.ts';
import { DEFAULT_LEXICON, rewritePhrases } from '../../src/knowledge/lexicon.ts';
import { devanagariShare, normalize } from '../../src/knowledge/normalize.ts';
import { stem, tokenize } from '../../src/knowledge/tokenize.ts';

describe('normalize', () => {
  it('folds nukta so both spellings of a word meet', () => {
    expect(normalize('ज़रूरत')).toBe(normalize('जरूरत'));
    expect(normalize('दस्तावेज़')).toBe('दस्तावेज');
    // Precomposed U+095B (ज़) and base + U+093C fold the same way.
    expect(normalize('\u095b')).toBe('ज');
  });

  it('maps Devanagari digits to ASCII and chandrabindu to anusvara', () => {
    expect(normalize('₹५,००० पाँच')).toBe('₹5,000 पांच');
  });

  it('removes zero-width joiners, lower-cases Latin and collapses spaces', () => {
    expect(normalize('क्\u200dष  GOLD\u200b Loan')).toBe('क्ष gold loan');
  });

  it('applies NFC', () => {
    expect(normalize('e\u0301')).toBe('\u00e9');
  });

  it('keeps the danda (for sentences) but turns the double danda into a single one', () => {
    expect(normalize('है॥')).toBe('है।');
  });

  it('measures the Devanagari share of letters, ignoring dandas and digits', () => {
    expect(devanagariShare('सोना gold')).toBeCloseTo(4 / 8);
    expect(devanagariShare('१२३ ।')).toBe(0);
  });
});

describe('tokenize and stem', () => {
  it('treats the danda and punctuation as separators and keeps matras with their letters', () => {
    expect(tokenize('ब्याज दर।कितनी है? (gold)')).toEqual(['ब्याज', 'दर', 'कितनी', 'है', 'gold']);
  });

  it('stems Hindi inflections and English plurals', () => {
    expect(stem('सोने')).toBe(stem('सोना'));
    expect(stem('महीनों')).toBe(stem('महीना'));
    expect(stem('documents')).toBe('document');
    expect(stem('policies')).toBe('policy');
    expect(stem('class')).toBe('class');
  });
});

describe('analyzer and lexicon', () => {
  it('maps English, Hindi and Hinglish synonyms to one concept', () => {
    const interest = analyze('interest');
    expect(interest).toHaveLength(1);
    expect(analyze('byaj')).toEqual(interest);
    expect(analyze('ब्याज')).toEqual(interest);
    expect(analyze('दस्तावेज़')).toEqual(analyze('kagaz'));
    expect(analyze('nilami')).toEqual(analyze('auction'));
    expect(analyze('sona')).toEqual(analyze('सोना'));
  });

  it('drops function words of all three languages', () => {
    expect(analyze('what is the interest')).toEqual(analyze('interest'));
    expect(analyze('byaj kitna hai')).toEqual(analyze('interest'));
    expect(analyze('ब्याज कितना है?')).toEqual(analyze('interest'));
  });

  it('reads "कौन से" as "which" and "kitne saal" as a tenure question', () => {
    expect(analyze('कौन से दस्तावेज')).toEqual(analyze('documents'));
    expect(rewritePhrases('kitne saal ke liye')).toContain('tenure');
    expect(analyze('kitne saal')).toContain(analyze('tenure')[0]);
  });

  it('marks domain concepts but not question words', () => {
    expect(DEFAULT_LEXICON.isConcept(analyze('auction')[0]!)).toBe(true);
    expect(DEFAULT_LEXICON.isConcept(analyze('who')[0]!)).toBe(false);
    expect(DEFAULT_LEXICON.isConcept('cricket')).toBe(false);
  });
});
