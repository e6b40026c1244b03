import { prepare, ReuseMatcher, type Prepared, type ReuseMatch, type ReuseSettings } from './reuse-matcher.js';

export interface ReuseDecision {
  /** Rows kept, in input order. */
  keep: number[];
  /** Per rejected row, the source credited (the one containing most of it). */
  rejected: Map<number, ReuseMatch>;
  /** Every (row, source) pair at or above minContainment. */
  matches: { row: number; match: ReuseMatch }[];
  candidatesVerified: number;
}

/**
 * Decides a batch in credit order against the accepted sources (persistent index, in acceptance
 * order) and the batch's own earlier kept records. A record whose id is already accepted (a re-run)
 * stays accepted; any other record contained in an earlier one at minContainment or more is
 * rejected, crediting that source.
 */
export function decideReuse(
  settings: ReuseSettings,
  sources: { id: string; text: string }[],
  batch: { ids: string[]; texts: string[]; order: ArrayLike<number> },
  prepared?: Prepared[],
): ReuseDecision {
  const matcher = new ReuseMatcher(settings);
  const accepted = new Set<string>();
  for (const s of sources) {
    matcher.addSource(s.id, prepare(s.text, settings));
    accepted.add(s.id);
  }
  const keep: number[] = [];
  const rejected = new Map<number, ReuseMatch>();
  const matches: ReuseDecision['matches'] = [];
  for (let k = 0; k < batch.order.length; k++) {
    const row = batch.order[k];
    const id = batch.ids[row];
    const p = prepared?.[row] ?? prepare(batch.texts[row], settings);
    if (accepted.has(id)) {
      keep.push(row);
      continue;
    }
    const found = matcher.match(p, id);
    for (const match of found) matches.push({ row, match });
    if (found.length) rejected.set(row, found[0]);
    else {
      keep.push(row);
      matcher.addSource(id, p);
    }
  }
  keep.sort((a, b) => a - b);
  return { keep, rejected, matches, candidatesVerified: matcher.candidatesVerified };
}

/** decideReuse as a kernel of @datanet/pipelines' thread pool: plain data in and out. */
export function reuseKernel(args: {
  settings: ReuseSettings;
  sources: { id: string; text: string }[];
  ids: string[];
  texts: string[];
  order: Int32Array;
}): { keep: number[]; rejected: [number, ReuseMatch][]; matches: { row: number; match: ReuseMatch }[]; candidatesVerified: number } {
  const d = decideReuse(args.settings, args.sources, { ids: args.ids, texts: args.texts, order: args.order });
  return { keep: d.keep, rejected: [...d.rejected], matches: d.matches, candidatesVerified: d.candidatesVerified };
}

/** The batch's sampled shingles (the keys looked up in the persistent index), as a kernel. */
export function reuseSamples(args: { settings: ReuseSettings; texts: string[] }): Uint32Array[] {
  return args.texts.map((t) => prepare(t, args.settings).sample);
}
