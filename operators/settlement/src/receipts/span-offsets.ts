/** Where a matched span lies in a text: [start, end) in UTF-16 code units, or null when it is not found. */
export type Offsets = [number, number] | null;

/**
 * Finds a span's text in a text: exactly first, then ignoring case (attribution's tokenizer lower-
 * cases, so the contribution may spell the span in other case). Returns the first occurrence.
 */
export function findSpan(text: string | null | undefined, span: string): Offsets {
  if (!text || !span) return null;
  let i = text.indexOf(span);
  if (i < 0) i = text.toLowerCase().indexOf(span.toLowerCase());
  return i < 0 ? null : [i, i + span.length];
}

// The spans' word positions count tokens as attribution's words-v1 tokenizer does: runs of letters
// or digits, and every other non-space character alone.
const WORD = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/**
 * The span in the output at its reported word position (so a phrase said four times is marked
 * where it was matched); falls back to the first occurrence when the position does not fit.
 */
export function findSpanAt(text: string | null | undefined, span: string, startWord: number, words: number): Offsets {
  if (text && Number.isInteger(startWord) && startWord >= 0 && words > 0) {
    const tokens = [...text.matchAll(WORD)];
    const first = tokens[startWord];
    const last = tokens[startWord + words - 1];
    if (first && last) {
      const at: [number, number] = [first.index!, last.index! + last[0].length];
      if (text.slice(at[0], at[1]).toLowerCase() === span.toLowerCase()) return at;
    }
  }
  return findSpan(text, span);
}

export interface SpanEvidence {
  text: string;
  /** Word position and length in the output, as attribution reported them. */
  start: number;
  length: number;
  count?: number;
  weight?: number;
}

export type Evidence =
  { kind: 'spans'; spans: SpanEvidence[] } | { kind: 'influence'; influence: number | null; method: string } | { kind: 'none' };

/** Reads attribution's evidence JSON: spans `[{text, start, length, count, weight}]` or `{method, influence}`. */
export function parseEvidence(json: string | null | undefined): Evidence {
  if (!json) return { kind: 'none' };
  try {
    const v = JSON.parse(json) as unknown;
    if (Array.isArray(v)) return { kind: 'spans', spans: v.filter((s) => s && typeof s.text === 'string') as SpanEvidence[] };
    if (v && typeof v === 'object') {
      const o = v as { method?: unknown; influence?: unknown };
      return {
        kind: 'influence',
        influence: typeof o.influence === 'number' ? o.influence : null,
        method: String(o.method ?? 'influence'),
      };
    }
  } catch {
    // Evidence is informative; a receipt stands on the scores.
  }
  return { kind: 'none' };
}
