import { NumberCounter } from './number-set.js';

/**
 * The measurements the quality rules need, computed lazily and once per document: several rules
 * share words, lines and n-gram counts. Definitions follow datatrove's Gopher, C4 and FineWeb
 * filters: words are whitespace tokens with surrounding punctuation stripped (punctuation-only
 * tokens are not words); lines split on \n and are trimmed, empty ones dropped; paragraphs split
 * on blank lines.
 */
const EDGE_PUNCT = /^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu;
const ALPHA = /\p{L}/u;
/** Longest word n-gram the repetition rules look at. */
const MAX_N = 10;
/** One table shared by all documents: rules run one document at a time. */
const COUNTER = new NumberCounter();
export const TERMINAL = ['.', '?', '!', '"', "'", '…', '”', '’'];

export class TextStats {
  private cache = new Map<string, unknown>();

  constructor(readonly text: string) {}

  /** Caches a derived measurement under `key` (rules share some, e.g. the lines C4 keeps). */
  memo<T>(key: string, f: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, f());
    return this.cache.get(key) as T;
  }

  get tokens(): string[] {
    return this.memo('tokens', () => this.text.split(/\s+/u).filter(Boolean));
  }

  get words(): string[] {
    return this.memo('words', () => this.tokens.map((t) => t.replace(EDGE_PUNCT, '')).filter(Boolean));
  }

  /** Lowercased words for n-gram and stop-word rules. */
  get lowerWords(): string[] {
    return this.memo('lowerWords', () => this.words.map((w) => w.toLowerCase()));
  }

  get lines(): string[] {
    return this.memo('lines', () =>
      this.text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }

  get paragraphs(): string[] {
    return this.memo('paragraphs', () =>
      this.text
        .trim()
        .split(/\n\s*\n/u)
        .map((p) => p.trim())
        .filter(Boolean),
    );
  }

  get nonSpaceChars(): number {
    return this.memo('nonSpaceChars', () => this.text.replace(/\s/gu, '').length);
  }

  get meanWordLength(): number {
    return this.memo('meanWordLength', () => (this.words.length ? this.words.reduce((s, w) => s + w.length, 0) / this.words.length : 0));
  }

  get alphaWordFraction(): number {
    return this.memo('alpha', () => (this.tokens.length ? this.tokens.filter((t) => ALPHA.test(t)).length / this.tokens.length : 0));
  }

  /** Lines that repeat an earlier line, and the characters they hold. */
  duplicates(kind: 'lines' | 'paragraphs'): { count: number; chars: number } {
    return this.memo(`dup-${kind}`, () => {
      const seen = new Set<string>();
      let count = 0;
      let chars = 0;
      for (const item of this[kind]) {
        if (seen.has(item)) {
          count++;
          chars += item.length;
        } else seen.add(item);
      }
      return { count, chars };
    });
  }

  /** Each distinct lowercased word as a small integer, and prefix sums of word lengths. */
  private get wordIds(): { ids: Int32Array; prefix: Float64Array } {
    return this.memo('wordIds', () => {
      const w = this.lowerWords;
      const dict = new Map<string, number>();
      const ids = new Int32Array(w.length);
      const prefix = new Float64Array(w.length + 1);
      w.forEach((word, i) => {
        let id = dict.get(word);
        if (id === undefined) dict.set(word, (id = dict.size));
        ids[i] = id;
        prefix[i + 1] = prefix[i] + word.length;
      });
      return { ids, prefix };
    });
  }

  /**
   * 53-bit keys of every word n-gram for n = 2..10 (keys[n][i] for the n-gram starting at word
   * i), computed in one sweep: each n extends the (n-1)-gram's running hashes by one word.
   */
  private get ngramKeys(): Float64Array[] {
    return this.memo('ngramKeys', () => {
      const { ids } = this.wordIds;
      const W = ids.length;
      const keys: Float64Array[] = [];
      for (let n = 2; n <= MAX_N; n++) keys[n] = new Float64Array(Math.max(0, W - n + 1));
      for (let i = 0; i < W; i++) {
        let h1 = 0x9747b28c | 0;
        let h2 = 0x3c6ef372 | 0;
        for (let k = 0; k < MAX_N && i + k < W; k++) {
          h1 = Math.imul(h1 ^ ids[i + k], 0x01000193);
          h2 = Math.imul((h2 << 5) ^ (h2 >>> 27) ^ ids[i + k], 0x85ebca6b);
          if (k >= 1) {
            const a = h1 ^ (h1 >>> 15);
            const b = h2 ^ (h2 >>> 13);
            keys[k + 1][i] = (a >>> 0) * 2097152 + (b & 0x1fffff);
          }
        }
      }
      return keys;
    });
  }

  /**
   * Gopher (datatrove's find_top_duplicate): length of the most frequent word n-gram (words
   * joined by spaces) times its count, over the text's length; 0 when no n-gram repeats.
   */
  topNgramCharFraction(n: number): number {
    return this.memo(`top${n}`, () => {
      const { ids, prefix } = this.wordIds;
      if (ids.length < n || this.text.length === 0) return 0;
      const keys = this.ngramKeys[n];
      COUNTER.reset(keys.length);
      let bestAt = 0;
      let bestCount = 0;
      for (let i = 0; i < keys.length; i++) {
        const c = COUNTER.increment(keys[i]);
        if (c > bestCount) {
          bestCount = c;
          bestAt = i;
        }
      }
      const length = prefix[bestAt + n] - prefix[bestAt] + (n - 1);
      return bestCount < 2 ? 0 : (bestCount * length) / this.text.length;
    });
  }

  /**
   * Gopher (datatrove's find_all_duplicate): scanning left to right, every n-gram seen before adds
   * its characters (words joined without spaces) and the scan jumps past it; over the text's length.
   */
  dupNgramCharFraction(n: number): number {
    return this.memo(`dup${n}`, () => {
      const { ids, prefix } = this.wordIds;
      if (ids.length < n || this.text.length === 0) return 0;
      const keys = this.ngramKeys[n];
      COUNTER.reset(keys.length);
      let chars = 0;
      for (let i = 0; i < keys.length;) {
        if (COUNTER.has(keys[i])) {
          chars += prefix[i + n] - prefix[i];
          i += n;
        } else {
          COUNTER.increment(keys[i]);
          i++;
        }
      }
      return chars / this.text.length;
    });
  }

  endsWithTerminal(line: string): boolean {
    return TERMINAL.some((p) => line.endsWith(p));
  }
}
