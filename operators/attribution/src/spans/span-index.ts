import { join } from 'node:path';
import { readManifest, type IndexManifest } from '../index-build/build-index.js';
import { Shard } from '../index-build/shard-files.js';

export interface SpanOccurrences {
  /** Occurrences in the whole index. */
  count: number;
  /** Hits per contribution among the first `maxOccurrences` occurrences (suffix-array order). */
  hits: Map<string, { contributor: string; hits: number }>;
  /** Occurrences that were looked at (<= maxOccurrences). */
  sampled: number;
}

export interface MatchedSpan {
  /** Token positions [start, end) in the query. */
  start: number;
  end: number;
  occurrences: SpanOccurrences;
}

interface ShardMatch {
  len: number;
  lo: Int32Array;
  hi: Int32Array;
}

/**
 * A span index opened for queries: shards load their files on first use and stay in memory, so
 * repeated queries cost binary searches only.
 */
export class SpanIndex {
  readonly shards: Shard[];
  private readonly excluded: Set<string>;

  private constructor(
    readonly dir: string,
    readonly manifest: IndexManifest,
  ) {
    this.shards = manifest.shards.map((s) => new Shard(join(dir, s.name)));
    this.excluded = new Set(manifest.excluded);
  }

  static open(dir: string): SpanIndex {
    return new SpanIndex(dir, readManifest(dir));
  }

  get words(): number {
    return this.manifest.words;
  }

  /** Longest prefix of q[i..] found in one shard, with the suffix-array range at each depth. */
  private matchIn(shard: Shard, q: Int32Array, i: number, ranges: ShardMatch): void {
    const { tokens, sa, buckets } = shard.data;
    ranges.len = 0;
    if (i >= q.length || q[i] < 0) return;
    // Depth 0 from the symbol's bucket, without a search.
    let lo = buckets[q[i]];
    let hi = buckets[q[i] + 1];
    if (lo === hi) return;
    ranges.lo[1] = lo;
    ranges.hi[1] = hi;
    let d = 1;
    for (; i + d < q.length; d++) {
      const c = q[i + d];
      if (c < 0) break;
      // Equal range of symbol c at depth d within [lo, hi): bisect until a suffix has c there,
      // then gallop outwards from it, so that a narrow range costs few reads however wide its
      // parent is (every read is a random access into GBs).
      let a = lo;
      let b = hi;
      let mid = -1;
      while (a < b) {
        const m = (a + b) >>> 1;
        const v = tokens[sa[m] + d];
        if (v < c) a = m + 1;
        else if (v > c) b = m;
        else {
          mid = m;
          break;
        }
      }
      if (mid < 0) break;
      // Left end in [a, mid]: suffixes before a have a smaller symbol.
      let edge = mid;
      let step = 1;
      while (edge - step >= a && tokens[sa[edge - step] + d] === c) {
        edge -= step;
        step *= 2;
      }
      let l = Math.max(a, edge - step + 1);
      let r = edge;
      while (l < r) {
        const m = (l + r) >>> 1;
        if (tokens[sa[m] + d] < c) l = m + 1;
        else r = m;
      }
      lo = l;
      // Right end in (mid, b]: suffixes from b on have a larger symbol.
      edge = mid;
      step = 1;
      while (edge + step < b && tokens[sa[edge + step] + d] === c) {
        edge += step;
        step *= 2;
      }
      l = edge + 1;
      r = Math.min(b, edge + step);
      while (l < r) {
        const m = (l + r) >>> 1;
        if (tokens[sa[m] + d] <= c) l = m + 1;
        else r = m;
      }
      hi = l;
      ranges.lo[d + 1] = lo;
      ranges.hi[d + 1] = hi;
    }
    ranges.len = d;
  }

  /**
   * Maximal spans of the query (token hashes) that occur in the index and are at least `minTokens`
   * long, in the manner of infini-gram / OLMoTrace: from each position the longest match is found
   * by narrowing the suffix-array range one token at a time; a span is kept unless the span from an
   * earlier position already covers it.
   */
  findSpans(query: Uint32Array, opts: { minTokens: number; maxOccurrences?: number }): MatchedSpan[] {
    const maxOcc = opts.maxOccurrences ?? 256;
    const m = query.length;
    const perShard = this.shards.map((shard) => {
      const q = new Int32Array(m);
      for (let i = 0; i < m; i++) q[i] = shard.symbolOf(query[i]);
      return q;
    });
    const matches = this.shards.map(() => ({ len: 0, lo: new Int32Array(m + 1), hi: new Int32Array(m + 1) }));
    const spans: MatchedSpan[] = [];
    let coveredTo = 0;
    for (let i = 0; i < m; i++) {
      let best = 0;
      this.shards.forEach((shard, s) => {
        this.matchIn(shard, perShard[s], i, matches[s]);
        if (matches[s].len > best) best = matches[s].len;
      });
      if (best < opts.minTokens || i + best <= coveredTo) continue;
      coveredTo = i + best;
      const occ: SpanOccurrences = { count: 0, hits: new Map(), sampled: 0 };
      this.shards.forEach((shard, s) => {
        const r = matches[s];
        if (r.len < best) return;
        const lo = r.lo[best];
        const hi = r.hi[best];
        occ.count += hi - lo;
        const { sa, docContrib, contributions } = shard.data;
        for (let x = lo; x < hi && occ.sampled < maxOcc; x++) {
          const [id, contributor] = contributions[docContrib[shard.docAt(sa[x])]];
          occ.sampled++;
          if (this.excluded.has(id)) continue;
          const h = occ.hits.get(id);
          if (h) h.hits++;
          else occ.hits.set(id, { contributor, hits: 1 });
        }
      });
      spans.push({ start: i, end: i + best, occurrences: occ });
    }
    return spans;
  }

  /** Occurrences of an exact token sequence (for tests and the CLI). */
  count(query: Uint32Array): number {
    let total = 0;
    this.shards.forEach((shard) => {
      const q = Int32Array.from(query, (h) => shard.symbolOf(h));
      const r = { len: 0, lo: new Int32Array(query.length + 1), hi: new Int32Array(query.length + 1) };
      this.matchIn(shard, q, 0, r);
      if (r.len === query.length && query.length > 0) total += r.hi[query.length] - r.lo[query.length];
    });
    return total;
  }
}
