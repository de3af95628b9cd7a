/**
 * PII detection and redaction for Indian banking conversations (English, Hindi, Hinglish; Latin, Devanagari
 * and other Indic digits). Isomorphic: no DOM or Node APIs. Runs on every turn, so it is a single linear
 * pass of fixed-shape regexes and digit-group scanning.
 */
import { findNumbers } from './number-patterns.ts';
import { normalizeForDetection } from './normalize.ts';
import { findCodes, findEmails } from './text-patterns.ts';
import type { PiiSpan, PiiType } from './types.ts';

export type { PiiSpan, PiiType } from './types.ts';
export { isValidLuhn, luhnCheckDigit } from './luhn.ts';
export { isValidVerhoeff, verhoeffCheckDigit } from './verhoeff.ts';

/** The label that replaces each kind of personal data. */
export const PII_LABELS: Readonly<Record<PiiType, string>> = {
  aadhaar: '[AADHAAR]',
  pan: '[PAN]',
  phone: '[PHONE]',
  ifsc: '[IFSC]',
  account: '[ACCOUNT]',
  card: '[CARD]',
  email: '[EMAIL]',
};

/** Personal data in `text`, sorted by start and never overlapping. */
export function detectPii(text: string): PiiSpan[] {
  const view = normalizeForDetection(text);
  const taken = new Uint8Array(view.length);
  // Emails first (they may contain digits or PAN-like local parts), then codes, then bare numbers.
  const emails = findEmails(view);
  for (const s of emails) taken.fill(1, s.start, s.end);
  const codes = findCodes(view, taken);
  const numbers = findNumbers(view, taken);
  return [...emails, ...codes, ...numbers]
    .sort((a, b) => a.start - b.start)
    .map((s) => ({ ...s, text: text.slice(s.start, s.end) }));
}

/** `text` with each piece of personal data replaced by its label, and the spans that were replaced. */
export function redact(text: string): { redacted: string; spans: PiiSpan[] } {
  const spans = detectPii(text);
  let redacted = '';
  let at = 0;
  for (const s of spans) {
    redacted += text.slice(at, s.start) + PII_LABELS[s.type];
    at = s.end;
  }
  return { redacted: redacted + text.slice(at), spans };
}

/** `text` with each piece of personal data replaced by a label such as "[AADHAAR]" or "[PHONE]". */
export function redactText(text: string): string {
  return redact(text).redacted;
}
