// Runs in @datanet/pipelines' thread pool (runKernel): the span index of a dataset is built (once,
// cached on disk per dataset digest) and queried here, off the server's event loop.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSpanIndex } from '../index-build/build-index.js';
import { datasetRows } from '../operators/dataset-rows.js';
import { attributeText } from '../spans/attribute-spans.js';
import { SpanIndex } from '../spans/span-index.js';
import { tokenizeWithOffsets } from '../tokenize/word-tokenizer.js';

export interface PlaygroundAttributeArgs {
  /** The dataset's Parquet file (what the model was trained on). */
  datasetPath: string;
  /** Where its span index is kept between requests. */
  indexDir: string;
  text: string;
  minTokens: number;
}

export interface PlaygroundSpan {
  /** [start, end) character offsets into `text` of the result. */
  start: number;
  end: number;
  text: string;
  /** Occurrences of the span in the whole dataset. */
  count: number;
  weight: number;
  /** The contributions holding it (the first MAX_SPAN_CONTRIBUTIONS), and how many there are. */
  contributions: { contributionId: string; contributor: string }[];
  contributionCount: number;
}

const MAX_SPAN_CONTRIBUTIONS = 20;

export interface PlaygroundAttributeResult {
  /** The text the offsets point into: the output itself, or its NFKC form where that differs in length. */
  text: string;
  words: number;
  spans: PlaygroundSpan[];
  contributions: { contributionId: string; contributor: string; score: number }[];
}

async function openIndex(datasetPath: string, indexDir: string): Promise<SpanIndex> {
  const marker = join(indexDir, 'index.json');
  if (existsSync(marker)) {
    const now = new Date();
    utimesSync(marker, now, now); // its last use, which pruning goes by
    return SpanIndex.open(indexDir);
  }
  const { readParquetAsArrow } = await import('@datanet/connector-duckdb');
  const table = await readParquetAsArrow(datasetPath);
  mkdirSync(dirname(indexDir), { recursive: true });
  const tmp = `${indexDir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    mkdirSync(tmp, { recursive: true });
    buildSpanIndex(datasetRows(table, datasetPath), { outDir: tmp });
    try {
      renameSync(tmp, indexDir);
    } catch (e) {
      // Another request built it first: theirs is the same index.
      if (!existsSync(join(indexDir, 'index.json'))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  pruneIndexes(dirname(indexDir), indexDir);
  return SpanIndex.open(indexDir);
}

/** Indexes kept besides the ones used in the last USED_RECENTLY_MS, most recently used first. */
const KEEP_INDEXES = 3;
const USED_RECENTLY_MS = 10 * 60_000;
const ABANDONED_BUILD_MS = 60 * 60_000;

/**
 * One index per dataset digest would otherwise pile up for every dataset version ever opened in
 * the playground (each is several times its dataset's size). After a new index is built, the
 * cache keeps the KEEP_INDEXES most recently used and any used in the last USED_RECENTLY_MS (a
 * request may be reading it now), and removes builds a killed process left over an hour ago.
 * Removing one only costs a rebuild on its next use.
 */
export function pruneIndexes(cacheDir: string, keep: string, now = Date.now()): string[] {
  const removed: string[] = [];
  const indexes: { dir: string; usedAt: number }[] = [];
  for (const name of readdirSync(cacheDir)) {
    const dir = join(cacheDir, name);
    if (dir === keep) continue;
    try {
      if (name.includes('.tmp-')) {
        if (now - statSync(dir).mtimeMs > ABANDONED_BUILD_MS) {
          rmSync(dir, { recursive: true, force: true });
          removed.push(dir);
        }
      } else if (existsSync(join(dir, 'index.json'))) indexes.push({ dir, usedAt: statSync(join(dir, 'index.json')).mtimeMs });
    } catch {
      // Removed by another request meanwhile.
    }
  }
  indexes.sort((a, b) => b.usedAt - a.usedAt);
  for (const { dir, usedAt } of indexes.slice(KEEP_INDEXES - 1)) {
    if (now - usedAt <= USED_RECENTLY_MS) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Evidence spans of one output, with character offsets, and the contributions each one matched. */
export async function attributeForPlayground(args: PlaygroundAttributeArgs): Promise<PlaygroundAttributeResult> {
  const index = await openIndex(args.datasetPath, args.indexDir);
  const scores = attributeText(index, args.text, { minTokens: args.minTokens, maxEvidence: 1000 });
  const tok = tokenizeWithOffsets(args.text);
  // Lower-casing keeps lengths for nearly all text; where NFKC changed them, show the normal form.
  const text = tok.text.length === args.text.length ? args.text : tok.text;
  const spans = new Map<number, PlaygroundSpan>();
  for (const s of scores) {
    for (const e of s.evidence) {
      let span = spans.get(e.start);
      if (!span) {
        const start = tok.starts[e.start];
        const end = tok.ends[e.start + e.length - 1];
        spans.set(
          e.start,
          (span = { start, end, text: text.slice(start, end), count: e.count, weight: e.weight, contributions: [], contributionCount: 0 }),
        );
      }
      span.contributionCount++;
      if (span.contributions.length < MAX_SPAN_CONTRIBUTIONS)
        span.contributions.push({ contributionId: s.contributionId, contributor: s.contributor });
    }
  }
  return {
    text,
    words: index.words,
    spans: [...spans.values()].sort((a, b) => a.start - b.start),
    contributions: scores.map((s) => ({ contributionId: s.contributionId, contributor: s.contributor, score: s.score })),
  };
}
