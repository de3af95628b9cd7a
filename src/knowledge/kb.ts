/** The knowledge-base file format (tools/default-bundle/kb/gold-loan.json and bundles from the sync service). */
import type { Lang } from '../config/lang.ts';

export interface Passage {
  /** Stable id, `<topic>-<lang>`, e.g. "gl-eligibility-hi". */
  id: string;
  topic: string;
  lang: Lang;
  title: string;
  text: string;
  keywords: string[];
}

export interface Range {
  min: number;
  max: number;
}

export interface Scheme {
  id: string;
  name: string;
  nameHi: string;
  /** Annual interest rate, percent. */
  ratePct: number;
  tenureMonths: Range;
}

/** Product parameters the tools compute with; the passages state the same numbers. */
export interface GoldLoanProduct {
  name: string;
  nameHi: string;
  goldRate: { rupeesPerGram: number; karat: number; asOf: string; asOfText: Record<Lang, string> };
  ltvPct: number;
  karat: Range;
  loan: Range;
  defaultScheme: string;
  schemes: Scheme[];
  processingFee: { pct: number; minRupees: number; maxRupees: number; gstPct: number };
  partPaymentMinRupees: number;
  penalChargePct: number;
  cashDisbursalMaxRupees: number;
}

export interface KnowledgeBase {
  id: string;
  version: string;
  /** True for demo content; the UI shows `notice` when it is. */
  fictional: boolean;
  notice: string;
  noticeHi?: string;
  bank: { name: string; nameHi: string };
  product: GoldLoanProduct;
  passages: Passage[];
}

export class KnowledgeBaseError extends Error {
  override name = 'KnowledgeBaseError';
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isRange = (v: unknown): v is Range => {
  const r = v as Partial<Range> | null;
  return !!r && isNum(r.min) && isNum(r.max) && r.min <= r.max;
};

/** Parses and checks a knowledge base; the message names the bad field so whoever packed it can fix it. */
export function parseKnowledgeBase(json: unknown, where = 'knowledge base'): KnowledgeBase {
  const bad = (what: string) =>
    new KnowledgeBaseError(`The ${where} is invalid: ${what}. Re-pack the knowledge bundle or reinstall the app.`);
  const kb = json as Partial<KnowledgeBase> | null;
  if (!kb || typeof kb !== 'object') throw bad('not a JSON object');
  if (typeof kb.id !== 'string' || typeof kb.version !== 'string') throw bad('missing "id" or "version"');
  if (typeof kb.fictional !== 'boolean' || typeof kb.notice !== 'string') throw bad('missing "fictional" or "notice"');
  if (!kb.bank || typeof kb.bank.name !== 'string') throw bad('missing "bank.name"');
  const p = kb.product as Partial<GoldLoanProduct> | undefined;
  if (!p) throw bad('missing "product"');
  if (!p.goldRate || !isNum(p.goldRate.rupeesPerGram) || p.goldRate.rupeesPerGram <= 0) {
    throw bad('"product.goldRate.rupeesPerGram" must be a positive number');
  }
  if (!isNum(p.ltvPct) || p.ltvPct <= 0 || p.ltvPct > 100) throw bad('"product.ltvPct" must be in (0, 100]');
  if (!isRange(p.karat) || !isRange(p.loan)) throw bad('"product.karat" and "product.loan" need min ≤ max');
  if (!Array.isArray(p.schemes) || p.schemes.length === 0) throw bad('"product.schemes" is empty');
  for (const s of p.schemes) {
    if (typeof s?.id !== 'string' || !isNum(s.ratePct) || !isRange(s.tenureMonths)) {
      throw bad(`scheme ${JSON.stringify(s?.id)} needs id, ratePct and tenureMonths {min, max}`);
    }
  }
  if (!p.schemes.some((s) => s.id === p.defaultScheme)) throw bad(`"product.defaultScheme" names no scheme`);
  if (!p.processingFee || !isNum(p.processingFee.pct)) throw bad('missing "product.processingFee"');
  if (!Array.isArray(kb.passages) || kb.passages.length === 0) throw bad('"passages" is empty');
  const ids = new Set<string>();
  for (const ps of kb.passages) {
    if (typeof ps?.id !== 'string' || typeof ps.topic !== 'string' || typeof ps.text !== 'string' || !ps.text.trim()) {
      throw bad(`passage ${JSON.stringify(ps?.id)} needs id, topic and text`);
    }
    if (ps.lang !== 'hi' && ps.lang !== 'en') throw bad(`passage "${ps.id}" has lang "${String(ps.lang)}" (expected hi or en)`);
    if (ids.has(ps.id)) throw bad(`passage id "${ps.id}" appears twice`);
    ids.add(ps.id);
    if (!Array.isArray(ps.keywords)) ps.keywords = [];
    if (typeof ps.title !== 'string') ps.title = ps.id;
  }
  return kb as KnowledgeBase;
}

export function kbFromBytes(bytes: Uint8Array, where?: string): KnowledgeBase {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new KnowledgeBaseError(`The ${where ?? 'knowledge base'} is not valid JSON (${(e as Error).message}). Re-pack it.`);
  }
  return parseKnowledgeBase(json, where);
}
