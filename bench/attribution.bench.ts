// Span attribution: suffix-array build throughput and size, span query latency on a large index,
// and the planted-output evaluation (top-1 / top-5) per method.
// BENCH_ATTRIBUTION_SIZES sets the generated corpora (default 100M and 1B tokens); BENCH_WORK_DIR
// where their files go (default the system temp folder); all are deleted at the end.
// BENCH_ATTRIBUTION_BASELINE=0 skips the one-thread build baseline (at 100M and below);
// BENCH_ATTRIBUTION_ONLY=scale runs sections 1-2 only (see carriedSections).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusPath } from '@datanet/pipelines/testing';
import { attributeText, buildSpanIndex, sais, SpanIndex, tokenIds } from '../operators/attribution/src/index.js';
import { occurrencesIn, plantedEval, readMedquad, spanRanker } from '../operators/attribution/test/planted-eval.js';
import { plantedPassage, rng, syntheticDocs, type SyntheticDoc } from '../operators/attribution/test/synthetic-corpus.js';
import { freshRanks } from '../operators/attribution/test/token-corpus.js';
import { median, percentile } from './machine.js';

const dirSize = (d: string): number =>
  readdirSync(d).reduce((a, f) => a + (statSync(join(d, f)).isDirectory() ? dirSize(join(d, f)) : statSync(join(d, f)).size), 0);

/** Baseline: a comparison sort of suffix indices (what one writes without SA-IS). */
function comparisonSuffixSort(s: Int32Array): Int32Array {
  const idx = Array.from({ length: s.length }, (_, i) => i);
  idx.sort((a, b) => {
    while (a < s.length && b < s.length) {
      if (s[a] !== s[b]) return s[a] - s[b];
      a++;
      b++;
    }
    return a < s.length ? 1 : -1;
  });
  return Int32Array.from(idx);
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(process.env.BENCH_WORK_DIR ?? tmpdir(), 'bench-attribution-'));
  const results: Record<string, unknown> = {};
  try {
    // 1. SA-IS against the comparison-sort baseline, same 1M-token Zipf input.
    {
      const s = new Int32Array(1_000_001);
      s.set(freshRanks(1, 1_000_000).map((x) => x + 1));
      const saisMs: number[] = [];
      const baseMs: number[] = [];
      for (let k = 0; k < 3; k++) {
        let t = performance.now();
        sais(s, new Int32Array(s.length), s.length, 50_001);
        saisMs.push(performance.now() - t);
        t = performance.now();
        comparisonSuffixSort(s);
        baseMs.push(performance.now() - t);
      }
      results.suffixArray1M = {
        input: '1M words, Zipf over 50,000',
        saisMedianMs: median(saisMs),
        comparisonSortMedianMs: median(baseMs),
        speedup: median(baseMs) / median(saisMs),
      };
    }

    // 2. Large corpora: generated, sharded, built on every core, queried across shards.
    // BENCH_ATTRIBUTION_SIZES: comma-separated token counts (default 100M and 1B).
    const sizes = (process.env.BENCH_ATTRIBUTION_SIZES ?? '100e6,1e9').split(',').map(Number);
    for (const n of sizes) {
      const key = `corpus${n >= 1e9 ? `${n / 1e9}B` : `${n / 1e6}M`}`;
      console.log(`bench attribution: ${key}`);
      results[key] = await scaleInChild(n, join(dir, key), n <= 100e6 && process.env.BENCH_ATTRIBUTION_BASELINE !== '0');
      console.log(JSON.stringify(results[key]));
      rmSync(join(dir, key), { recursive: true, force: true });
    }
    // BENCH_ATTRIBUTION_ONLY=scale re-measures sections 1-2 only (the machine is shared; the
    // billion-token run is long) and carries the text and planted-output sections over from the
    // previous results file, saying from which run.
    if (process.env.BENCH_ATTRIBUTION_ONLY === 'scale') {
      Object.assign(results, carriedSections());
      return results;
    }

    // 3. End to end on text (tokenizer included): MedQuAD when present, else generated text.
    const mq = corpusPath('medquad/medquad_with_answers.jsonl.gz');
    const textDocs = mq ? readMedquad(mq) : syntheticDocs(16_000, { vocab: 20_000 });
    {
      const mb = textDocs.reduce((a, d) => a + Buffer.byteLength(d.text), 0) / 2 ** 20;
      const t = performance.now();
      const built = buildSpanIndex(textDocs, { outDir: join(dir, 'text') });
      const ms = performance.now() - t;
      const tokT = performance.now();
      for (const d of textDocs) tokenIds(d.text);
      const tokenizeMs = performance.now() - tokT;
      results.textIndex = {
        corpus: mq ? 'MedQuAD (16,407 QA pairs)' : 'generated',
        documents: textDocs.length,
        tokens: built.manifest.words,
        megabytes: mb,
        buildMs: Math.round(ms),
        tokensPerSec: Math.round(built.manifest.words / (ms / 1000)),
        megabytesPerSec: mb / (ms / 1000),
        tokenizeShare: tokenizeMs / ms,
        bytesPerToken: dirSize(join(dir, 'text')) / built.manifest.words,
      };
      const index = SpanIndex.open(join(dir, 'text'));
      const lat: number[] = [];
      const r = rng(8);
      for (let q = 0; q < 200; q++) {
        const d = textDocs[Math.floor(r() * textDocs.length)].text.split(/\s+/).slice(0, 60).join(' ');
        const t0 = performance.now();
        attributeText(index, d);
        lat.push(performance.now() - t0);
      }
      results.textIndex = { ...(results.textIndex as object), attributeP50Ms: median(lat), attributeP99Ms: percentile(lat, 99) };

      // 4. Planted outputs: spans.
      const planted = await plantedEval(textDocs, spanRanker(index), {
        trials: 500,
        words: 40,
        seed: 17,
        occurrences: occurrencesIn(index),
      });
      results.plantedSpans = {
        corpus: (results.textIndex as { corpus: string }).corpus,
        passageWords: 40,
        edits: '2 neighbour swaps + 1 deletion',
        ...planted,
      };
      // The same evaluation on what the MedQuAD pipeline indexes: its dataset version, after the
      // pipeline's two dedupe steps (exact, then MinHash near-duplicates of answers, configured as
      // in configs/pipelines/medical-qa.yaml). Identical answers under different questions, which
      // no method can tell apart, are then one contribution, credited to the earliest.
      if (mq) {
        const kept = await datasetVersionDocs(textDocs);
        buildSpanIndex(kept, { outDir: join(dir, 'version') });
        const vIndex = SpanIndex.open(join(dir, 'version'));
        const onVersion = await plantedEval(kept, spanRanker(vIndex), {
          trials: 500,
          words: 40,
          seed: 17,
          occurrences: occurrencesIn(vIndex),
        });
        results.plantedSpansDatasetVersion = {
          corpus: `MedQuAD after the pipeline's exact and near-duplicate dedupe of answers (${kept.length} of ${textDocs.length} contributions)`,
          passageWords: 40,
          edits: '2 neighbour swaps + 1 deletion',
          ...onVersion,
        };
      }
    }

    // 5. Planted outputs: TracIn influence with the builtin trainer (one gradient per row and checkpoint).
    results.plantedInfluence = await influenceEval(generatedQa(), 'generated 12-row QA domain (builtin tiny model, 3 checkpoints)', {
      trials: 12,
      maxSteps: 18,
      maxSeqLength: 96,
      seed: 5,
    });
    const mqPath = corpusPath('medquad/medquad_with_answers.jsonl.gz');
    results.plantedInfluenceMedquad = mqPath
      ? await influenceEval(
          medquadQa(mqPath, Number(process.env.BENCH_INFLUENCE_ROWS ?? 128)),
          'MedQuAD sample (answers cut to 40 words; builtin tiny model, 3 checkpoints)',
          { trials: 50, maxSteps: 64, maxSeqLength: 96, seed: 11 },
        )
      : 'skipped: ../shared/corpora/medquad is absent';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

/**
 * The scale section in a child process started with transparent huge pages for malloc'd memory
 * (typed arrays): SA-IS and queries make random reads over GBs, and 2 MB pages spare most TLB
 * misses (SA-IS on 64M tokens: about 30% less CPU here). BENCH_ATTRIBUTION_HUGEPAGES=0 runs it
 * without, for comparison.
 */
async function scaleInChild(tokens: number, workDir: string, baseline: boolean): Promise<Record<string, unknown>> {
  const huge = process.env.BENCH_ATTRIBUTION_HUGEPAGES !== '0';
  const tunables = [process.env.GLIBC_TUNABLES, huge ? HUGE_PAGES : undefined].filter(Boolean).join(':');
  const outFile = join(workDir + '.json');
  mkdirSync(workDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '../pipelines/bin/run-ts.mjs'),
      join(import.meta.dirname, 'attribution-scale-main.ts'),
      String(tokens),
      workDir,
      baseline ? '1' : '0',
      outFile,
    ],
    { env: { ...process.env, ...(tunables ? { GLIBC_TUNABLES: tunables } : {}) }, stdio: 'inherit' },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`attribution scale run of ${tokens} tokens exited with ${code}`);
  return { glibcTunables: tunables || 'none', ...JSON.parse(readFileSync(outFile, 'utf8')) };
}

const CARRIED = ['textIndex', 'plantedSpans', 'plantedSpansDatasetVersion', 'plantedInfluence', 'plantedInfluenceMedquad'];

function carriedSections(): Record<string, unknown> {
  const file = join(import.meta.dirname, 'results', 'attribution.json');
  const prev = JSON.parse(readFileSync(file, 'utf8')) as { started: string; finished: string; results: Record<string, unknown> };
  const out: Record<string, unknown> = Object.fromEntries(CARRIED.filter((k) => k in prev.results).map((k) => [k, prev.results[k]]));
  const from = (prev.results.carriedFrom as { started: string; finished: string } | undefined) ?? {
    started: prev.started,
    finished: prev.finished,
  };
  out.carriedFrom = { ...from, sections: Object.keys(out), why: 'BENCH_ATTRIBUTION_ONLY=scale: these sections were not re-measured' };
  return out;
}

/**
 * TracIn on planted outputs: the builtin trainer fits a LoRA adapter (checkpoints kept) on QA rows,
 * then outputs planted from known training responses (the spans evaluation's light edits: two
 * neighbour swaps and a deletion) are attributed by `attribution.influence`.
 */
export async function influenceEval(
  rows: { prompt: string; response: string; id: string }[],
  corpus: string,
  opts: { trials: number; maxSteps: number; maxSeqLength: number; seed: number },
): Promise<Record<string, unknown>> {
  const { Table, Utf8, vectorFromArray } = await import('apache-arrow');
  const { runOperator } = await import('@datanet/pipelines/testing');
  const { trainLora } = await import('../operators/train/src/index.js');
  const { attributionInfluence } = await import('../operators/attribution/src/index.js');
  const col = (v: string[]) => vectorFromArray(v, new Utf8());
  const dataset = new Table({
    prompt: col([...rows.map((r) => r.prompt), 'What does the hair do?']),
    response: col([...rows.map((r) => r.response), 'The hair keeps the head warm.']),
    contribution_id: col([...rows.map((r) => r.id), 'c-hair']),
    contributor: col([...rows.map((_, i) => '0x' + String(i + 1).padStart(40, '0')), '0x' + '9'.repeat(40)]),
    split: col([...rows.map(() => 'train'), 'eval']),
  });
  const t0 = performance.now();
  const trained = await runOperator(trainLora, {
    config: {
      r: 4,
      alpha: 8,
      dropout: 0,
      targetModules: 'all-linear',
      learningRate: 3e-3,
      maxSteps: opts.maxSteps,
      batchSize: 8,
      maxSeqLength: opts.maxSeqLength,
      seed: 3,
      checkpointEvery: Math.max(1, Math.floor(opts.maxSteps / 3)),
    },
    inputs: { dataset },
  });
  const trainMs = performance.now() - t0;
  const r = rng(opts.seed);
  const planted = Array.from({ length: opts.trials }, () => rows[Math.floor(r() * rows.length)]);
  const inferences = new Table({
    inference_id: col(planted.map((p, k) => `${k}:${p.id}`)),
    prompt: col(planted.map((p) => p.prompt)),
    output: col(planted.map((p) => plantedPassage(p.response, Math.min(30, p.response.split(/\s+/).length), r))),
  });
  const t1 = performance.now();
  const { outputs } = await runOperator(attributionInfluence, { inputs: { model: trained.outputs.adapter.ref, dataset, inferences } });
  const attributeMs = performance.now() - t1;
  const out = outputs.attributions.table!.toArray().map((x: any) => x.toJSON());
  let top1 = 0;
  let top5 = 0;
  planted.forEach((p, k) => {
    const ranked = out
      .filter((x: any) => x.inference_id === `${k}:${p.id}`)
      .sort((a: any, b: any) => b.score - a.score)
      .map((x: any) => x.contribution_id);
    if (ranked[0] === p.id) top1++;
    if (ranked.slice(0, 5).includes(p.id)) top5++;
  });
  return {
    corpus,
    trainingRows: rows.length,
    trials: opts.trials,
    edits: '2 neighbour swaps + 1 deletion',
    top1: top1 / opts.trials,
    top5: top5 / opts.trials,
    trainMs: Math.round(trainMs),
    attributeMs: Math.round(attributeMs),
  };
}

/** The contributions the medical-qa pipeline keeps: dedupe.exact then dedupe.minhash on the answer, in submission order. */
async function datasetVersionDocs(docs: SyntheticDoc[]): Promise<SyntheticDoc[]> {
  const { Table, Utf8, Int32, vectorFromArray } = await import('apache-arrow');
  const { runOperator } = await import('@datanet/pipelines/testing');
  const { dedupeExact, dedupeMinhash } = await import('../operators/dedupe/src/index.js');
  const answer = (t: string) => t.slice(t.indexOf('\n') + 1);
  const table = new Table({
    id: vectorFromArray(
      docs.map((d) => d.contributionId),
      new Utf8(),
    ),
    answer: vectorFromArray(
      docs.map((d) => answer(d.text)),
      new Utf8(),
    ),
    submitted_at: vectorFromArray(
      docs.map((_, i) => i),
      new Int32(),
    ),
  });
  // As the pipeline does: the text column and MinHash settings come from the Datanet definition.
  const datanet = join(import.meta.dirname, '../configs/datanets/medical-qa.yaml');
  const exact = await runOperator(dedupeExact, {
    config: { datanet, idColumn: 'id', orderColumn: 'submitted_at', normalize: { unicode: false, lowercase: false, punctuation: false } },
    inputs: { table },
  });
  const near = await runOperator(dedupeMinhash, {
    config: { datanet, idColumn: 'id', orderColumn: 'submitted_at' },
    inputs: { table: exact.outputs.kept.table! },
  });
  const keep = new Set(near.outputs.kept.table!.getChild('id')!.toArray() as string[]);
  return docs.filter((d) => keep.has(d.contributionId));
}

/** The generated 12-row domain (no corpus needed). */
function generatedQa(): { prompt: string; response: string; id: string }[] {
  const topics = ['heart', 'liver', 'kidney', 'lung', 'brain', 'skin', 'stomach', 'bone', 'eye', 'ear', 'blood', 'nerve'];
  const actions = [
    'pumps blood through',
    'filters toxins from',
    'balances salts in',
    'brings oxygen to',
    'sends signals across',
    'shields',
    'digests food for',
    'holds up',
    'sees for',
    'hears for',
    'carries oxygen in',
    'wires',
  ];
  return topics.map((t, i) => ({
    prompt: `What does the ${t} do?`,
    response: `The ${t} ${actions[i]} the body every day, and a doctor checks the ${t} with scan number ${i * 37 + 11}.`,
    id: `c-${t}`,
  }));
}

/** MedQuAD QA pairs, deterministically sampled, answers cut to their first sentences (the tiny model's context). */
export function medquadQa(path: string, n: number): { prompt: string; response: string; id: string }[] {
  const docs = readMedquad(path);
  const r = rng(29);
  const picked = new Map<string, { prompt: string; response: string; id: string }>();
  while (picked.size < n) {
    const d = docs[Math.floor(r() * docs.length)];
    const [question, ...answer] = d.text.split('\n');
    const words = answer.join(' ').split(/\s+/).filter(Boolean);
    if (words.length < 30) continue;
    picked.set(d.contributionId, { prompt: question, response: words.slice(0, 40).join(' '), id: d.contributionId });
  }
  return [...picked.values()];
}
