import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENIZER, tokenIds } from '../tokenize/word-tokenizer.js';
import { buildShard, type ShardInput } from './build-shard.js';
import { DEFAULT_SHARD_POSITIONS, MAX_SHARD_POSITIONS, Shard, type ShardMeta } from './shard-files.js';

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
  /** Positions per shard at most (DEFAULT_SHARD_POSITIONS by default; tests force it small). */
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

/** What an index build does: parent shards reused, new shards to build from flat inputs. */
export interface IndexPlan {
  outDir: string;
  /** The parent's shards, already hard-linked into `outDir`. */
  inherited: IndexManifest['shards'];
  /** New shards, in order, named after the inherited ones. */
  inputs: ShardInput[];
  contributions: number;
  excluded: string[];
  parent: IndexManifest['parent'];
  maxShardPositions: number;
}

export const shardName = (k: number): string => `shard-${String(k).padStart(4, '0')}`;

/**
 * Tokenizes the rows of a dataset version and packs them into shards of at most
 * `maxShardPositions` positions. With a parent index, the parent's shards are reused as they are
 * (hard-linked into `outDir`) and only contributions it lacks go into new shards.
 */
export function planIndex(rows: Iterable<IndexRow>, opts: BuildIndexOptions): IndexPlan {
  const maxPositions = Math.min(opts.maxShardPositions ?? DEFAULT_SHARD_POSITIONS, MAX_SHARD_POSITIONS);
  mkdirSync(opts.outDir, { recursive: true });
  const inherited: IndexManifest['shards'] = [];
  const inParent = new Set<string>();
  let parent: IndexManifest | undefined;
  if (opts.parentDir) {
    parent = readManifest(opts.parentDir);
    for (const s of parent.shards) {
      adoptShard(join(opts.parentDir, s.name), join(opts.outDir, s.name));
      inherited.push({ ...s, inherited: true });
      for (const [id] of new Shard(join(opts.parentDir, s.name)).data.contributions) inParent.add(id);
    }
  }
  const seen = new Set<string>();
  const inputs: ShardInput[] = [];
  let docs: Uint32Array[] = [];
  let docContrib: number[] = [];
  let contributions: [string, string][] = [];
  let contribIndex = new Map<string, number>();
  let positions = 0;
  let count = 0;
  const flush = () => {
    if (!docs.length) return;
    const tokens = new Uint32Array(positions - docs.length);
    let at = 0;
    for (const d of docs) {
      tokens.set(d, at);
      at += d.length;
    }
    inputs.push({ tokens, docLengths: Int32Array.from(docs, (d) => d.length), docContrib: Int32Array.from(docContrib), contributions });
    docs = [];
    docContrib = [];
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
    docs.push(tokens);
    docContrib.push(c);
    positions += tokens.length + 1;
    if (count % 10_000 === 0) opts.onProgress?.(count);
  }
  flush();
  return {
    outDir: opts.outDir,
    inherited,
    inputs,
    contributions: new Set([...inParent].filter((id) => seen.has(id))).size + [...seen].filter((id) => !inParent.has(id)).length,
    excluded: [...inParent].filter((id) => !seen.has(id)).sort(),
    parent: parent ? { words: parent.words, shards: parent.shards.length } : null,
    maxShardPositions: maxPositions,
  };
}

/** Writes index.json once the plan's new shards are built (`built` in plan order). */
export function finishIndex(plan: Omit<IndexPlan, 'inputs'>, built: ShardMeta[]): BuildIndexResult {
  const shards: IndexManifest['shards'] = [
    ...plan.inherited,
    ...built.map((m, k) => ({
      name: shardName(plan.inherited.length + k),
      positions: m.positions,
      words: m.words,
      docs: m.docs,
      inherited: false,
    })),
  ];
  const manifest: IndexManifest = {
    format: INDEX_FORMAT,
    tokenizer: TOKENIZER,
    shards,
    words: shards.reduce((a, s) => a + s.words, 0),
    contributions: plan.contributions,
    excluded: plan.excluded,
    parent: plan.parent,
    createdWith: { maxShardPositions: plan.maxShardPositions },
  };
  writeFileSync(join(plan.outDir, 'index.json'), JSON.stringify(manifest, null, 2));
  return { manifest, builtShards: built.length, newWords: built.reduce((a, m) => a + m.words, 0) };
}

/** Builds the span index of a dataset version on this thread, one shard after another. */
export function buildSpanIndex(rows: Iterable<IndexRow>, opts: BuildIndexOptions): BuildIndexResult {
  const plan = planIndex(rows, opts);
  const built = plan.inputs.map((input, k) => buildShard(join(opts.outDir, shardName(plan.inherited.length + k)), input));
  return finishIndex(plan, built);
}
