// Span attribution at scale: a tokenized corpus of N tokens is generated from a seed into parts
// (one per shard), the shards are built in the kernel pool (one thread per core), and span
// queries run against all shards. Generation is timed apart from the build; the build is timed
// from reading the first part to the last shard's files. Everything lives under `workDir`, which
// the caller deletes.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { kernelThreads, runKernel } from '@datanet/pipelines';
import {
  attributeText,
  buildShard,
  buildShardsInPool,
  DEFAULT_SHARD_POSITIONS,
  shardBuildBytes,
  SpanIndex,
} from '../operators/attribution/src/index.js';
import { finishIndex, shardName } from '../operators/attribution/src/index-build/build-index.js';
import { rng } from '../operators/attribution/test/synthetic-corpus.js';
import {
  corpusWords,
  freshRanks,
  passagePool,
  readCorpusPart,
  wordHashes,
  type CorpusPartArgs,
} from '../operators/attribution/test/token-corpus.js';
import { median, percentile } from './machine.js';

const CORPUS_KERNEL = new URL('../operators/attribution/test/token-corpus.ts', import.meta.url);
const SEED = 2;
/** Words per part, so that a part (words + one end per document) fits one default shard. */
const PART_WORDS = 250_000_000;

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

function dirBytes(d: string): number {
  return readdirSync(d).reduce((a, f) => {
    const p = join(d, f);
    const s = statSync(p);
    return a + (s.isDirectory() ? dirBytes(p) : s.size);
  }, 0);
}

/** Anonymous memory in transparent huge pages, this process. */
function hugePagesBytes(): number {
  try {
    const m = /AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    return m ? Number(m[1]) * 1024 : -1;
  } catch {
    return -1;
  }
}

/** Peak resident memory of this process (all threads) since the last reset, from Linux; -1 elsewhere. */
function peakRss(reset = false): number {
  try {
    if (reset) writeFileSync('/proc/self/clear_refs', '5');
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : -1;
  } catch {
    return -1;
  }
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return Math.round((c.user + c.system) / 1000);
}

export async function scaleRun(tokens: number, workDir: string, opts: { sequentialBaseline: boolean }): Promise<Record<string, unknown>> {
  const parts = Math.max(kernelThreads(), Math.ceil(tokens / PART_WORDS));
  const corpusDir = join(workDir, 'corpus');
  const indexDir = join(workDir, 'index');
  const out: Record<string, unknown> = { tokens, parts, kernelThreads: kernelThreads(), shardPositionsLimit: DEFAULT_SHARD_POSITIONS };

  // 1. Corpus (not part of the build figures).
  let t = performance.now();
  const perPart = Array.from({ length: parts }, (_, k) => Math.floor(tokens / parts) + (k < tokens % parts ? 1 : 0));
  let next = 0;
  await Promise.all(
    Array.from({ length: kernelThreads() }, async () => {
      while (next < parts) {
        const part = next++;
        const args: CorpusPartArgs = { dir: corpusDir, part, tokens: perPart[part], seed: SEED };
        await runKernel(CORPUS_KERNEL, 'writeCorpusPart', args);
      }
    }),
  );
  out.corpusGenerateMs = Math.round(performance.now() - t);
  // The parts' dirty pages go to disk before the build's clock starts, so that the build is not
  // throttled for the generator's writes (its own writes are timed).
  t = performance.now();
  spawnSync('sync');
  out.corpusSyncMs = Math.round(performance.now() - t);

  // 2. Build: all parts, the pool's threads in parallel.
  const rssBefore = process.memoryUsage().rss;
  peakRss(true);
  let sampledPeak = 0;
  let hugePeak = 0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
    hugePeak = Math.max(hugePeak, hugePagesBytes());
  }, 500);
  const loadBefore = load();
  const cpu0 = process.cpuUsage();
  t = performance.now();
  const started: { atMs: number; inputMs: number }[] = [];
  const built = await buildShardsInPool(
    Array.from({ length: parts }, (_, k) => ({
      dir: join(indexDir, shardName(k)),
      input: () => {
        const at = performance.now();
        const input = readCorpusPart(corpusDir, k);
        started[k] = { atMs: Math.round(at - t), inputMs: Math.round(performance.now() - at) };
        return input;
      },
    })),
  );
  const metas = built.map((b) => b.meta);
  finishIndex(
    {
      outDir: indexDir,
      inherited: [],
      contributions: metas.reduce((a, m) => a + m.contributions, 0),
      excluded: [],
      parent: null,
      maxShardPositions: DEFAULT_SHARD_POSITIONS,
    },
    metas,
  );
  const buildMs = performance.now() - t;
  const buildCpu = cpuMs(cpu0);
  clearInterval(sampler);
  const words = metas.reduce((a, m) => a + m.words, 0);
  const bytes = dirBytes(indexDir);
  out.build = {
    measures:
      'index build from the token ids of the generated parts: reading each part from disk, vocabulary and symbols, suffix array, ' +
      "the shard's files written (to the page cache), index.json. Corpus generation is timed apart (corpusGenerateMs); there is " +
      'no text tokenization in it (the corpus is generated as token hashes; the text sections below include the tokenizer)',
    words,
    documents: metas.reduce((a, m) => a + m.docs, 0),
    contributions: metas.reduce((a, m) => a + m.contributions, 0),
    shards: metas.length,
    ms: Math.round(buildMs),
    tokensPerSec: Math.round(words / (buildMs / 1000)),
    cpuMs: buildCpu,
    coresUsed: Math.round((buildCpu / buildMs) * 100) / 100,
    cpuNsPerToken: Math.round((buildCpu * 1e6) / words),
    // What one core sorts per second of CPU it gets: the figure that does not depend on how busy
    // the shared machine was (the wall-clock rate does).
    tokensPerCpuSecond: Math.round(words / (buildCpu / 1000)),
    loadavgBefore: loadBefore,
    loadavgAfter: load(),
    bytesOnDisk: bytes,
    bytesPerToken: bytes / words,
    peakRssMiB: mb(Math.max(peakRss(), sampledPeak)),
    rssBeforeMiB: mb(rssBefore),
    hugePagesPeakMiB: mb(hugePeak),
    // Share of the build's wall time the pool threads spent building shards (1 = both busy throughout).
    threadBusyShare: Math.round((built.reduce((a, b) => a + b.ms, 0) / (Math.min(kernelThreads(), parts) * buildMs)) * 100) / 100,
    perThread: built.map((b, k) => ({
      shard: k,
      words: b.meta.words,
      startedAtMs: started[k].atMs,
      readInputMs: started[k].inputMs,
      ms: Math.round(b.ms),
      phasesMs: b.phases,
      heapUsedMiB: mb(b.threadMemory.heapUsed),
      workingSetMiB: mb(shardBuildBytes(b.meta.words, b.meta.docs)),
    })),
  };

  // 2b. Baseline in the same run: the same shards one after another on this thread.
  if (opts.sequentialBaseline) {
    const c = process.cpuUsage();
    const t1 = performance.now();
    for (let k = 0; k < parts; k++) buildShard(join(workDir, 'sequential', shardName(k)), readCorpusPart(corpusDir, k));
    const ms = performance.now() - t1;
    out.sequentialBaseline = {
      ms: Math.round(ms),
      tokensPerSec: Math.round(words / (ms / 1000)),
      cpuMs: cpuMs(c),
      parallelSpeedup: Math.round((ms / buildMs) * 100) / 100,
      loadavgAfter: load(),
    };
    rmSync(join(workDir, 'sequential'), { recursive: true, force: true });
  }
  rmSync(corpusDir, { recursive: true, force: true });

  // 3. Queries against every shard, files read into memory once.
  t = performance.now();
  const index = SpanIndex.open(indexDir);
  for (const s of index.shards) void s.data;
  out.load = {
    ms: Math.round(performance.now() - t),
    rssMiB: mb(process.memoryUsage().rss),
    hugePagesMiB: mb(hugePagesBytes()),
    loadavg: load(),
  };
  const hashes = wordHashes(corpusWords());
  const pool = passagePool(SEED);
  const r = rng(3);
  /** `len` words of an indexed document (as token hashes), read back from a random shard. */
  const docWindow = (len: number): Uint32Array => {
    for (;;) {
      const shard = index.shards[Math.floor(r() * index.shards.length)];
      const { tokens: sym, docs, vocab } = shard.data;
      const k = Math.floor(r() * docs.length);
      const end = (k + 1 < docs.length ? docs[k + 1] : sym.length) - 1;
      if (end - docs[k] < len) continue;
      const at = docs[k] + Math.floor(r() * (end - docs[k] - len));
      return Uint32Array.from(sym.subarray(at, at + len), (x) => vocab[x - 2]);
    }
  };
  const kinds = ['copied', 'fresh', 'passage'] as const;
  const query60 = (q: number): Uint32Array => {
    const kind = kinds[q % 3];
    const fresh = Uint32Array.from(freshRanks(1000 + q, 60), (x) => hashes[x]);
    if (kind === 'fresh') return fresh;
    if (kind === 'copied') {
      const w = docWindow(60);
      w[20] = fresh[20];
      w[40] = fresh[40];
      return w;
    }
    const p = pool[Math.floor(r() * pool.length)];
    fresh.set(
      Uint32Array.from(p.subarray(0, 40), (x) => hashes[x]),
      10,
    );
    return fresh;
  };
  for (let q = 0; q < 30; q++) index.findSpans(query60(q), { minTokens: 6 }); // warm-up
  const lat: Record<string, number[]> = { copied: [], fresh: [], passage: [] };
  const withSpans: Record<string, number> = { copied: 0, fresh: 0, passage: 0 };
  const queryLoad = load();
  for (let q = 0; q < 600; q++) {
    const query = query60(q);
    const t0 = performance.now();
    const spans = index.findSpans(query, { minTokens: 6 });
    lat[kinds[q % 3]].push(performance.now() - t0);
    if (spans.length) withSpans[kinds[q % 3]]++;
  }
  const all = Object.values(lat).flat();
  const round = (x: number) => Math.round(x * 1000) / 1000;
  out.query60 = {
    queries: all.length,
    kinds:
      'copied: 60 words of an indexed document with 2 replaced; fresh: 60 new words; passage: 40 words of a shared passage inside new words',
    p50Ms: round(median(all)),
    p99Ms: round(percentile(all, 99)),
    maxMs: round(Math.max(...all)),
    perKind: Object.fromEntries(
      Object.entries(lat).map(([k, v]) => [
        k,
        { queries: v.length, withSpans: withSpans[k], p50Ms: round(median(v)), p99Ms: round(percentile(v, 99)) },
      ]),
    ),
    loadavg: queryLoad,
  };

  // 4. Whole 200-token outputs, as text, traced end to end (tokenizer, spans, credit).
  const vocab = corpusWords();
  const rankOf = new Map(Array.from(hashes, (h, k) => [h, k]));
  const text = (ids: Uint32Array | Int32Array, isRank = false) => Array.from(ids, (x) => vocab[isRank ? x : rankOf.get(x)!]).join(' ');
  const traceMs: number[] = [];
  let credited = 0;
  for (let q = 0; q < 60; q++) {
    const output = [
      text(docWindow(80)),
      text(freshRanks(5000 + q, 40), true),
      text(pool[Math.floor(r() * pool.length)].subarray(0, 40), true),
      text(freshRanks(9000 + q, 40), true),
    ].join(' ');
    const t0 = performance.now();
    const scores = attributeText(index, output);
    traceMs.push(performance.now() - t0);
    if (scores.length) credited++;
  }
  out.trace200 = {
    outputs: traceMs.length,
    credited,
    p50Ms: round(median(traceMs)),
    p99Ms: round(percentile(traceMs, 99)),
    maxMs: round(Math.max(...traceMs)),
    loadavg: load(),
  };
  out.peakRssMiBWithIndexLoaded = mb(peakRss());
  return out;
}
