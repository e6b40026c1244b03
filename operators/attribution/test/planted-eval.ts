import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { attributeText } from '../src/spans/attribute-spans.js';
import { tokenIds } from '../src/tokenize/word-tokenizer.js';
import type { SpanIndex } from '../src/spans/span-index.js';
import { plantedPassage, rng, type SyntheticDoc } from './synthetic-corpus.js';

/** MedQuAD rows as contributions: id = sha256(question \n answer), contributor = the NIH site. */
export function readMedquad(path: string, limit = Infinity): SyntheticDoc[] {
  const raw = path.endsWith('.gz') ? gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8');
  const out: SyntheticDoc[] = [];
  const seen = new Set<string>();
  for (const line of raw.split('\n')) {
    if (!line.trim() || out.length >= limit) continue;
    const r = JSON.parse(line) as { question: string; answer: string; source: string };
    const id = 'sha256:' + createHash('sha256').update(`${r.question}\n${r.answer}`).digest('hex');
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ contributionId: id, contributor: r.source, text: `${r.question}\n${r.answer}` });
  }
  return out;
}

/** A ranking, best first: contribution ids, or ids with their scores. */
export type Ranked = string[] | { id: string; score: number }[];

export interface PlantedResult {
  trials: number;
  top1: number;
  top5: number;
  /** Top-1 counting a contribution that holds the unedited passage verbatim (an exact duplicate upstream) as correct. */
  top1UpToDuplicates: number;
  /**
   * Tie-aware top-1 (expected value over the order of tied scores): 1/k when the source is one of
   * k contributions sharing the top score. Only when the ranker gives scores.
   */
  top1TieAware?: number;
  /** Trials whose unedited passage occurs once in the corpus (identifies its source), and accuracy on them. */
  uniqueTrials?: number;
  top1UniquePassages?: number;
  top5UniquePassages?: number;
}

/** Passages of `words` words copied from known contributions with light edits, then attributed by `attribute`. */
export async function plantedEval(
  docs: SyntheticDoc[],
  attribute: (text: string) => Promise<Ranked> | Ranked,
  opts: { trials: number; words: number; seed: number; occurrences?: (passage: string) => number },
): Promise<PlantedResult> {
  const r = rng(opts.seed);
  const candidates = docs.filter((d) => d.text.split(/\s+/).length >= opts.words + 10);
  const byId = new Map(docs.map((d) => [d.contributionId, d]));
  let top1 = 0;
  let top5 = 0;
  let dup = 0;
  let tieAware = 0;
  const unique = { n: 0, top1: 0, top5: 0 };
  for (let k = 0; k < opts.trials; k++) {
    const src = candidates[Math.floor(r() * candidates.length)];
    const words = src.text.split(/\s+/);
    const start = Math.floor(r() * (words.length - opts.words));
    const passage = words.slice(start, start + opts.words).join(' ');
    const result = await attribute(plantedPassage(passage, opts.words, r));
    const ranked = result.map((x) => (typeof x === 'string' ? x : x.id));
    const scored = result.filter((x): x is { id: string; score: number } => typeof x !== 'string');
    if (scored.length && scored.some((x) => x.id === src.contributionId)) {
      const top = scored[0].score;
      const tied = scored.filter((x) => Math.abs(x.score - top) <= 1e-12 * Math.max(1, Math.abs(top)));
      if (tied.some((x) => x.id === src.contributionId)) tieAware += 1 / tied.length;
    }
    if (ranked[0] === src.contributionId) top1++;
    if (ranked.slice(0, 5).includes(src.contributionId)) top5++;
    const first = ranked[0] ? byId.get(ranked[0]) : undefined;
    if (first && (first === src || first.text.split(/\s+/).join(' ').includes(passage))) dup++;
    if (opts.occurrences?.(passage) === 1) {
      unique.n++;
      if (ranked[0] === src.contributionId) unique.top1++;
      if (ranked.slice(0, 5).includes(src.contributionId)) unique.top5++;
    }
  }
  const res: PlantedResult = {
    trials: opts.trials,
    top1: top1 / opts.trials,
    top5: top5 / opts.trials,
    top1UpToDuplicates: dup / opts.trials,
  };
  if (tieAware > 0) res.top1TieAware = tieAware / opts.trials;
  if (opts.occurrences)
    Object.assign(res, { uniqueTrials: unique.n, top1UniquePassages: unique.top1 / unique.n, top5UniquePassages: unique.top5 / unique.n });
  return res;
}

export const occurrencesIn = (index: SpanIndex) => (passage: string) => index.count(tokenIds(passage));

export function spanRanker(index: SpanIndex, minTokens?: number) {
  return (text: string) =>
    attributeText(index, text, minTokens ? { minTokens } : {}).map((s) => ({ id: s.contributionId, score: s.score }));
}
