import { describe, expect, it } from 'vitest';
import { formatRupees } from '../../src/agent/numbers.ts';
import { KnowledgeBaseError, parseKnowledgeBase } from '../../src/knowledge/kb.ts';
import { devanagariShare } from '../../src/knowledge/normalize.ts';
import { loadKb } from './kb-file.ts';

const kb = loadKb();
const topics = [...new Set(kb.passages.map((p) => p.topic))];
const textOf = (topic: string, lang: 'en' | 'hi') => kb.passages.find((p) => p.topic === topic && p.lang === lang)?.text ?? '';
const both = (topic: string) => [textOf(topic, 'en'), textOf(topic, 'hi')];

describe('gold-loan knowledge base', () => {
  it('is marked fictional and names a fictional bank', () => {
    expect(kb.fictional).toBe(true);
    expect(kb.notice).toMatch(/fictional/i);
    expect(kb.bank.name).toMatch(/fictional/i);
    expect(kb.bank.nameHi).toMatch(/काल्पनिक/);
  });

  it('has every required topic in English and Hindi with stable ids', () => {
    for (const required of [
      'gl-eligibility', 'gl-documents', 'gl-ltv', 'gl-interest-fees', 'gl-repayment', 'gl-part-payment',
      'gl-closure', 'gl-auction', 'gl-safety', 'gl-branch-process', 'gl-purity', 'gl-renewal-topup',
      'gl-missed-payment', 'gl-gold-rate',
    ]) {
      expect(topics).toContain(required);
    }
    for (const topic of topics) {
      for (const lang of ['en', 'hi'] as const) {
        const p = kb.passages.find((x) => x.topic === topic && x.lang === lang);
        expect(p?.id, `${topic} ${lang}`).toBe(`${topic}-${lang}`);
      }
    }
  });

  it('writes Hindi passages in Devanagari and English ones in Latin, 2 to 5 sentences each', () => {
    for (const p of kb.passages) {
      const sentences = p.text.split(p.lang === 'hi' ? '।' : /[.?!](?=\s|$)(?<!\d\.(?=\d))/).filter((s) => s.trim());
      expect(sentences.length, p.id).toBeGreaterThanOrEqual(2);
      expect(sentences.length, p.id).toBeLessThanOrEqual(5);
      if (p.lang === 'hi') expect(devanagariShare(p.text), p.id).toBeGreaterThan(0.9);
      else expect(p.text, p.id).not.toMatch(/[\u0900-\u097f]/u);
    }
  });

  it('states the same numbers as the product parameters the tools use', () => {
    const { product } = kb;
    const pct = (n: number) => `${n}%`;
    for (const text of both('gl-interest-fees')) {
      for (const s of product.schemes) expect(text).toContain(pct(s.ratePct));
      expect(text).toContain(pct(product.processingFee.pct));
      expect(text).toContain(formatRupees(product.processingFee.minRupees));
      expect(text).toContain(formatRupees(product.processingFee.maxRupees));
      expect(text).toContain(pct(product.processingFee.gstPct));
    }
    for (const text of both('gl-ltv')) {
      expect(text).toContain(pct(product.ltvPct));
      const per22k = (product.goldRate.rupeesPerGram * 22) / 24 * (product.ltvPct / 100);
      expect(text).toContain(formatRupees(per22k));
    }
    for (const text of both('gl-gold-rate')) {
      expect(text).toContain(formatRupees(product.goldRate.rupeesPerGram));
      expect(text).toContain(formatRupees((product.goldRate.rupeesPerGram * 22) / 24));
    }
    expect(textOf('gl-gold-rate', 'en')).toContain(product.goldRate.asOfText.en);
    expect(textOf('gl-gold-rate', 'hi')).toContain(product.goldRate.asOfText.hi);
    for (const text of both('gl-overview')) {
      expect(text).toContain(formatRupees(product.loan.min));
      expect(text).toContain(formatRupees(product.loan.max));
    }
    const emi = product.schemes.find((s) => s.id === 'emi')!;
    expect(textOf('gl-repayment', 'en')).toContain(`${emi.tenureMonths.min} to ${emi.tenureMonths.max} months`);
    expect(textOf('gl-repayment', 'hi')).toContain(`${emi.tenureMonths.min} से ${emi.tenureMonths.max} महीनों`);
    expect(textOf('gl-eligibility', 'en')).toContain(`${product.karat.min} and ${product.karat.max} karat`);
    expect(textOf('gl-eligibility', 'hi')).toContain(`${product.karat.min} से ${product.karat.max} कैरेट`);
    for (const text of both('gl-part-payment')) expect(text).toContain(formatRupees(product.partPaymentMinRupees));
    for (const text of both('gl-missed-payment')) expect(text).toContain(pct(product.penalChargePct));
    for (const text of both('gl-branch-process')) expect(text).toContain(formatRupees(product.cashDisbursalMaxRupees));
  });

  it('rejects a malformed knowledge base with a message naming the problem', () => {
    const broken = structuredClone(kb) as unknown as { passages: { lang: string }[] };
    broken.passages[0]!.lang = 'fr';
    expect(() => parseKnowledgeBase(broken)).toThrow(KnowledgeBaseError);
    expect(() => parseKnowledgeBase(broken)).toThrow(/lang "fr"/);
    expect(() => parseKnowledgeBase({ ...kb, passages: [] })).toThrow(/"passages" is empty/);
  });
});
