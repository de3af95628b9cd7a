/** Which kind of speech model a folder holds, decided by the files present (names relative to the folder). */

export type SttLayout =
  | { kind: 'nemo-ctc' }
  | { kind: 'indic-conformer' }
  | { kind: 'whisper' }
  | { kind: 'unknown'; reason: string };

interface LayoutSpec {
  kind: 'nemo-ctc' | 'indic-conformer' | 'whisper';
  label: string;
  /** Files that must all be present; "onnx/" means any file inside that folder. */
  required: readonly string[];
}

const LAYOUTS: readonly LayoutSpec[] = [
  { kind: 'nemo-ctc', label: 'NeMo CTC', required: ['model.onnx', 'tokens.txt'] },
  { kind: 'indic-conformer', label: 'IndicConformer', required: ['encoder.onnx', 'ctc_decoder.onnx', 'vocab.json', 'language_masks.json'] },
  { kind: 'whisper', label: 'Whisper', required: ['config.json', 'onnx/'] },
];

/** The stt role names a folder ("stt/"); a role naming a file inside one ("stt/model.onnx") means that folder. */
export function sttPrefix(role: string): string {
  if (role.endsWith('/')) return role;
  const cut = role.lastIndexOf('/');
  return cut < 0 ? '' : role.slice(0, cut + 1);
}

export function describeLayouts(): string {
  return LAYOUTS.map((l) => `${l.required.join(' + ')} (${l.label})`).join('; ');
}

export function detectSttLayout(files: readonly string[]): SttLayout {
  const has = (name: string) => (name.endsWith('/') ? files.some((f) => f.startsWith(name) && f.length > name.length) : files.includes(name));
  for (const l of LAYOUTS) if (l.required.every(has)) return { kind: l.kind };
  if (files.length === 0) return { kind: 'unknown', reason: 'the folder is empty.' };
  // Name what is missing for the layout the folder most resembles, so an incomplete copy is easy to fix.
  const partial = LAYOUTS.map((l) => ({ l, present: l.required.filter(has) }))
    .filter((x) => x.present.length > 0)
    .sort((a, b) => b.present.length / b.l.required.length - a.present.length / a.l.required.length)[0];
  if (partial) {
    const missing = partial.l.required.filter((f) => !has(f)).map((f) => (f.endsWith('/') ? `${f} (folder)` : f));
    return { kind: 'unknown', reason: `it looks like a ${partial.l.label} model but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing.` };
  }
  const shown = files.slice(0, 6).join(', ') + (files.length > 6 ? ', …' : '');
  return { kind: 'unknown', reason: `its files (${shown}) match no known layout.` };
}
