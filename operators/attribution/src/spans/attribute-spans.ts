import { tokenizeWithOffsets } from '../tokenize/word-tokenizer.js';
import type { SpanIndex } from './span-index.js';

export interface SpanOptions {
  /** Shortest span that counts as evidence, in tokens (words and punctuation marks). */
  minTokens: number;
  /** Occurrences of one span examined to credit contributions (the rest only count for rarity). */
  maxOccurrences: number;
  /** Evidence spans kept per (inference, contribution). */
  maxEvidence: number;
}

export const DEFAULT_SPAN_OPTIONS: SpanOptions = { minTokens: 6, maxOccurrences: 256, maxEvidence: 10 };

export interface EvidenceSpan {
  text: string;
  start: number;
  length: number;
  /** Occurrences of the span in the whole index. */
  count: number;
  weight: number;
}

export interface ContributionScore {
  contributionId: string;
  contributor: string;
  /** Share of the inference's evidence, summing to 1 over the inference's contributions. */
  score: number;
  evidence: EvidenceSpan[];
}

/**
 * Span weight = length x ln(1 + N / count): longer spans and rarer spans are stronger evidence
 * (N = words in the index, count = the span's occurrences). A span's weight is split among the
 * contributions holding it in proportion to their occurrences, then scores are normalised per
 * inference.
 */
export function spanWeight(length: number, count: number, words: number): number {
  return length * Math.log(1 + words / Math.max(1, count));
}

export function attributeText(index: SpanIndex, output: string, options: Partial<SpanOptions> = {}): ContributionScore[] {
  const o = { ...DEFAULT_SPAN_OPTIONS, ...options };
  const tok = tokenizeWithOffsets(output);
  const spans = index.findSpans(tok.ids, { minTokens: o.minTokens, maxOccurrences: o.maxOccurrences });
  const byContribution = new Map<string, { contributor: string; raw: number; evidence: EvidenceSpan[] }>();
  for (const span of spans) {
    const occ = span.occurrences;
    const credited = [...occ.hits.values()].reduce((a, h) => a + h.hits, 0);
    if (!credited) continue;
    const len = span.end - span.start;
    const weight = spanWeight(len, occ.count, index.words);
    const ev: EvidenceSpan = {
      text: tok.text.slice(tok.starts[span.start], tok.ends[span.end - 1]),
      start: span.start,
      length: len,
      count: occ.count,
      weight,
    };
    for (const [id, h] of occ.hits) {
      let entry = byContribution.get(id);
      if (!entry) byContribution.set(id, (entry = { contributor: h.contributor, raw: 0, evidence: [] }));
      entry.raw += (weight * h.hits) / credited;
      entry.evidence.push(ev);
    }
  }
  const total = [...byContribution.values()].reduce((a, e) => a + e.raw, 0);
  const out: ContributionScore[] = [...byContribution].map(([contributionId, e]) => ({
    contributionId,
    contributor: e.contributor,
    score: e.raw / total,
    evidence: e.evidence.sort((a, b) => b.weight - a.weight || a.start - b.start).slice(0, o.maxEvidence),
  }));
  return out.sort((a, b) => b.score - a.score || (a.contributionId < b.contributionId ? -1 : 1));
}
