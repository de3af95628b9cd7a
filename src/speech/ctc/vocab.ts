/**
 * Token maps of the two CTC layouts: sherpa-onnx `tokens.txt` (NeMo exports: "<token> <id>" per line,
 * `<blk>` last) and IndicConformer's `vocab.json` (257 tokens a language, local index 256 the blank).
 * In both, "▁" marks the start of a word.
 */

export const WORD_BOUNDARY = '▁';

export class VocabError extends Error {
  override name = 'VocabError';
}

/** Pieces that carry no text: blank, unknown, sentence markers, language tags. */
const SPECIAL = /^<[^<>\s]+>$/;

export class Vocabulary {
  /** Text each token contributes (▁ → space, special tokens → ""). */
  private readonly texts: string[];

  constructor(
    readonly pieces: readonly string[],
    readonly blank: number,
  ) {
    if (!Number.isInteger(blank) || blank < 0 || blank >= pieces.length) {
      throw new VocabError(`The blank id ${blank} is outside the ${pieces.length} tokens of the vocabulary.`);
    }
    this.texts = pieces.map((p, i) => (i === blank || SPECIAL.test(p) ? '' : p.replaceAll(WORD_BOUNDARY, ' ')));
  }

  get size(): number {
    return this.pieces.length;
  }

  /** The text of one token, with "▁" as a space. */
  pieceText(id: number): string {
    return this.texts[id] ?? '';
  }

  /** Token ids → text: pieces joined, "▁" as spaces, runs of spaces collapsed, trimmed. */
  decode(tokens: readonly number[]): string {
    let s = '';
    for (const id of tokens) s += this.pieceText(id);
    return s.replace(/\s+/g, ' ').trim();
  }
}

/**
 * sherpa-onnx tokens.txt. The token is everything before the last space (a token may itself be a
 * space-free symbol such as "▁" or "'"); ids must cover 0…N-1; the blank is `<blk>` (or `<blank>`).
 */
export function parseSherpaTokens(text: string): Vocabulary {
  const entries = new Map<number, string>();
  const lines = text.split(/\r?\n/);
  for (const [n, raw] of lines.entries()) {
    const line = raw.replace(/\s+$/, '');
    if (!line) continue;
    const cut = line.lastIndexOf(' ');
    const id = Number(line.slice(cut + 1));
    if (cut <= 0 || !Number.isInteger(id) || id < 0) {
      throw new VocabError(`tokens.txt line ${n + 1} ("${line}") is not "<token> <id>". The file is damaged; reinstall the model.`);
    }
    if (entries.has(id)) throw new VocabError(`tokens.txt gives id ${id} twice (line ${n + 1}). The file is damaged; reinstall the model.`);
    entries.set(id, line.slice(0, cut));
  }
  if (entries.size === 0) throw new VocabError('tokens.txt is empty. Reinstall the speech model.');
  const pieces: string[] = [];
  for (let i = 0; i < entries.size; i++) {
    const p = entries.get(i);
    if (p === undefined) throw new VocabError(`tokens.txt has no token with id ${i}: ids must run from 0 to ${entries.size - 1}.`);
    pieces.push(p);
  }
  const blank = pieces.findIndex((p) => p === '<blk>' || p === '<blank>');
  if (blank < 0) throw new VocabError('tokens.txt has no blank token "<blk>", so it is not a CTC token list.');
  return new Vocabulary(pieces, blank);
}

/** Outputs per language in the IndicConformer multilingual CTC head: 256 tokens plus the shared blank. */
export const INDIC_TOKENS_PER_LANGUAGE = 257;
export const INDIC_BLANK = 256;

/**
 * One language of IndicConformer's vocab.json ({lang: tokens}). The list has 256 tokens (the blank
 * implicit) or 257 (the last one the blank's placeholder); index 0 is `<unk>`.
 */
export function indicVocabulary(vocabJson: unknown, lang: string): Vocabulary {
  const all = vocabJson as Record<string, unknown> | null;
  const list = all && typeof all === 'object' ? all[lang] : undefined;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    throw new VocabError(`vocab.json has no token list for language "${lang}".`);
  }
  if (list.length !== INDIC_BLANK && list.length !== INDIC_TOKENS_PER_LANGUAGE) {
    throw new VocabError(`vocab.json lists ${list.length} tokens for "${lang}"; this layout has 256 (+ blank) a language.`);
  }
  const pieces = list.slice(0, INDIC_BLANK) as string[];
  pieces.push('<blk>');
  return new Vocabulary(pieces, INDIC_BLANK);
}
