import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENIZER, tokenIds } from '../tokenize/word-tokenizer.js';
import { buildShard, type ShardDoc } from './build-shard.js';
import { MAX_SHARD_POSITIONS, Shard } from './shard-files.js';

export const INDEX_FORMAT = 'datanet-span-index/1';

export interface IndexManifest {
  format: typeof INDEX_FORMAT;
  tokenizer: string;
  shards: { name: string; positions: number; words: number; docs: number; inherited: boolean }[];
  words: number;
  contributions: number;
  /** Contributions in inherited shards that the new version no longer has (revoked, removed): never credited. */
  excluded: string[];
  parent: { words: number; shards: number } | null;
  createdWith: { maxShardPositions: number };
}

export interface IndexRow {
  text: string;
  contributionId: string;
  contributor: string;
}

export interface BuildIndexOptions {
  outDir: string;
  /** Positions per shard at most (2^31 - 2 by default; tests force it small). */
  maxShardPositions?: number;
  /** Folder of the previous version's index: its shards are reused, only new contributions are indexed. */
  parentDir?: string;
  onProgress?(rows: number): void;
}

export interface BuildIndexResult {
  manifest: IndexManifest;
  builtShards: number;
  newWords: number;
}

export function readManifest(dir: string): IndexManifest {
  const path = join(dir, 'index.json');
  if (!existsSync(path)) throw new Error(`${dir} is not a span index (no index.json); build one with attribution.index`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as IndexManifest;
  if (m.format !== INDEX_FORMAT) throw new Error(`${path}: format ${m.format}, expected ${INDEX_FORMAT}`);
  if (m.tokenizer !== TOKENIZER)
    throw new Error(`${path}: built with tokenizer ${m.tokenizer}, this version reads ${TOKENIZER}; rebuild the index`);
  return m;
}

/** Hard-links a shard (same bytes, no copy) or copies it across file systems. */
function adoptShard(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) {
    try {
      linkSync(join(from, f), join(to, f));
    } catch {
      copyFileSync(join(from, f), join(to, f));
    }
  }
}

/**
 * Builds the span index of a dataset version: rows are tokenized and packed into shards of at most
 * `maxShardPositions` positions, each with its own suffix array. With a parent index, the parent's
 * shards are reused as they are and only contributions it lacks are indexed, into new shards.
 */
export function buildSpanIndex(rows: Iterable<IndexRow>, opts: BuildIndexOptions): BuildIndexResult {
  const maxPositions = Math.min(opts.maxShardPositions ?? MAX_SHARD_POSITIONS, MAX_SHARD_POSITIONS);
  mkdirSync(opts.outDir, { recursive: true });
  const shards: IndexManifest['shards'] = [];
  const inParent = new Set<string>();
  let parent: IndexManifest | undefined;
  if (opts.parentDir) {
    parent = readManifest(opts.parentDir);
    for (const s of parent.shards) {
      adoptShard(join(opts.parentDir, s.name), join(opts.outDir, s.name));
      shards.push({ ...s, inherited: true });
      for (const [id] of new Shard(join(opts.parentDir, s.name)).data.contributions) inParent.add(id);
    }
  }
  const seen = new Set<string>();
  let docs: ShardDoc[] = [];
  let contributions: [string, string][] = [];
  let contribIndex = new Map<string, number>();
  let positions = 0;
  let builtShards = 0;
  let newWords = 0;
  let count = 0;
  const flush = () => {
    if (!docs.length) return;
    const name = `shard-${String(shards.length).padStart(4, '0')}`;
    const meta = buildShard(join(opts.outDir, name), docs, contributions);
    shards.push({ name, positions: meta.positions, words: meta.words, docs: meta.docs, inherited: false });
    builtShards++;
    newWords += meta.words;
    docs = [];
    contributions = [];
    contribIndex = new Map();
    positions = 0;
  };
  for (const row of rows) {
    count++;
    if (!row.contributionId) throw new Error(`dataset row ${count}: contribution_id is empty; every row must name its contribution`);
    seen.add(row.contributionId);
    if (inParent.has(row.contributionId)) continue;
    const tokens = tokenIds(row.text ?? '');
    if (!tokens.length) continue;
    if (tokens.length + 1 > maxPositions)
      throw new Error(`contribution ${row.contributionId}: ${tokens.length} tokens do not fit one shard of ${maxPositions} positions`);
    if (positions + tokens.length + 1 > maxPositions) flush();
    let c = contribIndex.get(row.contributionId);
    if (c === undefined) {
      c = contributions.length;
      contributions.push([row.contributionId, row.contributor]);
      contribIndex.set(row.contributionId, c);
    }
    docs.push({ tokens, contribution: c });
    positions += tokens.length + 1;
    if (count % 10_000 === 0) opts.onProgress?.(count);
  }
  flush();
  const contributionsTotal = new Set([...inParent].filter((id) => seen.has(id))).size + [...seen].filter((id) => !inParent.has(id)).length;
  const manifest: IndexManifest = {
    format: INDEX_FORMAT,
    tokenizer: TOKENIZER,
    shards,
    words: shards.reduce((a, s) => a + s.words, 0),
    contributions: contributionsTotal,
    excluded: [...inParent].filter((id) => !seen.has(id)).sort(),
    parent: parent ? { words: parent.words, shards: parent.shards.length } : null,
    createdWith: { maxShardPositions: maxPositions },
  };
  writeFileSync(join(opts.outDir, 'index.json'), JSON.stringify(manifest, null, 2));
  return { manifest, builtShards, newWords };
}
