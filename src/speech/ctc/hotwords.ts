/**
 * Hotword boosting for CTC prefix beam search: bank terms ("gold loan", "EMI", "लोन", "ब्याज") get a
 * bonus while a prefix spells them, so a close acoustic decision tips towards the term.
 *
 * The trie is over characters of the tokens' text rather than over token ids: a SentencePiece model
 * can spell "gold" as "▁gold", "▁go"+"ld" or letter by letter, and every spelling must earn the same
 * bonus. Matching starts only at a word boundary ("EMI" gets nothing inside "PREMIUM"); each matched
 * character adds `bonusPerChar`; the bonus becomes permanent when the phrase is complete and followed by
 * a word boundary (or the utterance ends), and is taken back when the prefix leaves the phrase early.
 */

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  terminal: boolean;
}

/** Where a prefix stands against the hotword list; immutable, shared between beams. */
export interface BoostState {
  readonly node: TrieNode;
  /** Bonus of phrases already completed. */
  readonly locked: number;
  /** Bonus of the phrase being spelled now (revoked if it is not completed). */
  readonly partial: number;
}

const normalizeText = (s: string) => s.normalize('NFC').toLowerCase();

export class HotwordBooster {
  private readonly root: TrieNode = { children: new Map(), terminal: false };
  private readonly wordStart: TrieNode;
  readonly initial: BoostState;
  readonly phrases: readonly string[];

  /**
   * @param phrases words or phrases, any case; empty entries are ignored
   * @param tokenText the text of a token id with "▁" already turned into a space
   * @param bonusPerChar log-probability bonus per matched character (nats)
   */
  constructor(
    phrases: readonly string[],
    private readonly tokenText: (id: number) => string,
    readonly bonusPerChar = 0.5,
  ) {
    const clean = phrases.map((p) => normalizeText(p).trim().replace(/\s+/g, ' ')).filter((p) => p.length > 0);
    this.phrases = [...new Set(clean)];
    this.wordStart = { children: new Map(), terminal: false };
    this.root.children.set(' ', this.wordStart);
    for (const phrase of this.phrases) {
      let node = this.wordStart;
      for (const ch of phrase) {
        let next = node.children.get(ch);
        if (!next) {
          next = { children: new Map(), terminal: false };
          node.children.set(ch, next);
        }
        node = next;
      }
      node.terminal = true;
    }
    // The utterance starts at a word boundary, so a first token without "▁" can still begin a phrase.
    this.initial = { node: this.wordStart, locked: 0, partial: 0 };
  }

  /** The state after the prefix is extended by one token. */
  advance(state: BoostState, token: number): BoostState {
    const text = normalizeText(this.tokenText(token));
    if (!text) return state;
    let { node, locked, partial } = state;
    for (const ch of text) {
      if (ch === ' ' && node.terminal) {
        locked += partial; // a whole phrase followed by a word boundary
        partial = 0;
      }
      const next = node.children.get(ch);
      if (next) {
        node = next;
        if (ch !== ' ') partial += this.bonusPerChar;
      } else {
        partial = 0; // left the phrase before completing it: take its bonus back
        node = ch === ' ' ? this.wordStart : this.root;
      }
    }
    return { node, locked, partial };
  }

  /** Bonus while the prefix is still growing (partial matches count, so they survive pruning). */
  bonus(state: BoostState): number {
    return state.locked + state.partial;
  }

  /** Bonus at the end of the utterance: a phrase still being spelled counts only if it is complete. */
  finalBonus(state: BoostState): number {
    return state.locked + (state.node.terminal ? state.partial : 0);
  }
}
