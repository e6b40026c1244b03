// The short-record part of `npm run bench -- dedupe`: the operator's defaults against plain
// character 5-gram MinHash-LSH (128 permutations, 16x8 bands, band collision = duplicate, union
// of all collisions) on the project's labelled set, per edit kind and per source, in one run.
import { MinHasher, UNIT_CHAR, type MinHashSpec } from '../src/minhash.js';
import { minhashDedupe } from '../src/minhash-dedupe.js';
import { clusterSignatures } from '../src/lsh-cluster.js';
import { fieldedJoined, fieldedSimilarity, TokenInterner } from '../src/record-similarity.js';
import { jaccardSorted } from '../src/shingle-sets.js';
import { dedupeMinhash, specOf } from '../src/minhash-operator.js';
import { packTexts } from './corpora.js';
import { EDIT_KINDS, type EditKind } from './record-edits.js';
import { croissantRecords, medquadRecords, npmRecords, renderRecord, type ShortRecord } from './short-records.js';
import { buildKindSet, pickBases, scorePairs, type LabelledRecord, type PairScore } from './short-set.js';

/** The reference of the issue: plain MinHash-LSH on character 5-grams, 128 permutations, 16 bands x 8 rows. */
export const REFERENCE_SPEC: MinHashSpec = { shingles: { unit: 'char', n: 5 }, permutations: 128, bands: 16, rows: 8, seed: 1 };

/** The operator's defaults, as a step with an empty `with:` gets them. */
export function defaultSpec(): { spec: MinHashSpec; jaccardThreshold: number } {
  const config = dedupeMinhash.config.parse({});
  return { spec: specOf(config), jaccardThreshold: config.jaccardThreshold };
}

export async function clusterWithDefaults(texts: string[], override?: Partial<MinHashSpec['short']>): Promise<string[]> {
  return (await passWithDefaults(texts, override)).representative;
}

/** The operator's whole pass with its defaults over one batch: signing (sets and tokens kept), verification, clustering. */
export async function passWithDefaults(texts: string[], override?: Partial<MinHashSpec['short']>) {
  const { spec, jaccardThreshold } = defaultSpec();
  const s = override ? { ...spec, short: { ...spec.short!, ...override } } : spec;
  const { signatures, hasShingles, units, sets, tokens } = new MinHasher(s).signAll(packTexts(texts), undefined, true);
  const ids = texts.map((_, i) => String(i));
  const res = await minhashDedupe({
    ids,
    order: Int32Array.from(ids.keys()),
    signatures,
    hasShingles,
    units,
    sets: sets!.finish(),
    tokens,
    spec: s,
    jaccardThreshold,
  });
  return res;
}

export function clusterReference(texts: string[]): string[] {
  const { signatures } = new MinHasher(REFERENCE_SPEC).signAll(packTexts(texts));
  const { uf } = clusterSignatures({
    signatures,
    permutations: REFERENCE_SPEC.permutations,
    bands: REFERENCE_SPEC.bands,
    rows: REFERENCE_SPEC.rows,
    threshold: 0,
    similarity: () => 1,
    linkage: 'single',
    maxBucketComparisons: 1e9,
  });
  return texts.map((_, i) => String(uf.find(i)));
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export interface StageCosts {
  records: number;
  /** Candidate pairs judged per record. */
  candidatesPerRecord: number;
  /** CPU microseconds per record of each stage, and of the whole pass measured as it runs. */
  microsecondsPerRecord: { sign: number; band: number; readTokens: number; verify: number; wholePass: number; rest: number };
}

/**
 * Where the defaults' pass spends its CPU, per record, over `batches` (each one dedupe batch):
 * the pass's own pieces timed one by one on its own call pattern. A first run of the clustering
 * records every pair it judges (with the bound it passed and the answer); then signing (tokens,
 * n-grams, one-permutation signatures), banding (LSH buckets, the walk over their members and the
 * choice of clusters to judge: the clustering replaying the recorded answers), reading the tokens
 * of the records judged (once each, as the pass does) and verification (recordSimilarity of the
 * recorded pairs, exact Jaccard for long ones) are timed apart, each the median of `passes` after
 * a warm-up; `rest` is the whole pass's median less those: batch set-up and outputs (under 1 us a
 * record, ids included) and what the stages cost one another when they run interleaved
 * (banding and verification evicting each other's tables from the caches) rather than apart.
 */
export async function stageCosts(batches: string[][], passes = 3): Promise<StageCosts> {
  const { spec, jaccardThreshold } = defaultSpec();
  const short = spec.short!;
  const runs = {
    sign: [] as number[],
    band: [] as number[],
    readTokens: [] as number[],
    verify: [] as number[],
    wholePass: [] as number[],
  };
  let pairs = 0;
  const records = batches.reduce((n, b) => n + b.length, 0);
  for (let pass = 0; pass <= passes; pass++) {
    const t = { sign: 0, band: 0, readTokens: 0, verify: 0, wholePass: 0 };
    pairs = 0;
    for (const texts of batches) {
      let c = cpuNow();
      const signed = new MinHasher(spec).signAll(packTexts(texts), undefined, true);
      const sets = signed.sets!.finish();
      t.sign += cpuNow() - c;
      const { units, tokens } = signed;
      const read = (intern: TokenInterner) => {
        const split: ReturnType<typeof fieldedJoined>[] = new Array(texts.length);
        return (i: number) => (split[i] ??= fieldedJoined(tokens[i], intern));
      };
      const judge =
        (tok: (i: number) => ReturnType<typeof fieldedJoined>) =>
        (i: number, j: number, atLeast = 0) => {
          if (units[i] !== units[j]) return 0;
          if (units[i] === UNIT_CHAR) return fieldedSimilarity(tok(i), tok(j), atLeast);
          return jaccardSorted(sets.values, sets.offsets[i], sets.offsets[i + 1], sets.values, sets.offsets[j], sets.offsets[j + 1]);
        };
      const cluster = (similarity: (i: number, j: number, atLeast: number) => number) =>
        clusterSignatures({
          signatures: signed.signatures,
          permutations: spec.permutations,
          bands: spec.bands,
          rows: spec.rows,
          threshold: jaccardThreshold,
          units,
          short,
          similarity,
          active: signed.hasShingles,
        });
      const judged: number[] = [];
      const answers: number[] = [];
      const firstJudge = judge(read(new TokenInterner()));
      cluster((i, j, atLeast) => {
        const v = firstJudge(i, j, atLeast);
        judged.push(i, j, atLeast);
        answers.push(v);
        return v;
      });
      pairs += answers.length;
      c = cpuNow();
      let k = 0;
      cluster(() => answers[k++]);
      t.band += cpuNow() - c;
      c = cpuNow();
      const tok = read(new TokenInterner());
      for (let p = 0; p < judged.length; p += 3) {
        if (units[judged[p]] !== UNIT_CHAR) continue;
        tok(judged[p]);
        tok(judged[p + 1]);
      }
      t.readTokens += cpuNow() - c;
      const again = judge(tok);
      c = cpuNow();
      for (let p = 0; p < judged.length; p += 3) again(judged[p], judged[p + 1], judged[p + 2]);
      t.verify += cpuNow() - c;
      c = cpuNow();
      await passWithDefaults(texts);
      t.wholePass += cpuNow() - c;
    }
    if (pass > 0) for (const key of Object.keys(runs) as (keyof typeof runs)[]) runs[key].push(t[key]);
  }
  const us = (x: number) => +((x / records) * 1e6).toFixed(2);
  const m = Object.fromEntries(Object.entries(runs).map(([key, v]) => [key, medianOf(v)])) as Record<keyof typeof runs, number>;
  return {
    records,
    candidatesPerRecord: +(pairs / records).toFixed(2),
    microsecondsPerRecord: {
      sign: us(m.sign),
      band: us(m.band),
      readTokens: us(m.readTokens),
      verify: us(m.verify),
      wholePass: us(m.wholePass),
      rest: us(m.wholePass - m.sign - m.band - m.readTokens - m.verify),
    },
  };
}

/** Every real record of the three sources, rendered as the labelled set renders them, one batch per source. */
export function realShortBatches(root: string): { source: string; texts: string[] }[] {
  return Object.entries({ npm: npmRecords(root), medquad: medquadRecords(), croissant: croissantRecords() })
    .filter(([, records]) => records.length > 0)
    .map(([source, records]) => ({ source, texts: records.map((r) => renderRecord(r.fields)) }));
}

/**
 * Throughput of the defaults' whole pass (signing, verification, clustering) on real short
 * records without planted copies: every record of the three sources, one batch per source, MB/s
 * per core over process CPU time, the median of `passes` after a warm-up pass, beside the plain
 * reference on the same batches in the same passes.
 */
export async function runRealShortThroughput(root: string, passes = 5): Promise<Record<string, unknown>> {
  const batches = realShortBatches(root);
  if (!batches.length) return { skipped: 'no short records found (node_modules, ../shared/corpora)' };
  const bytes = batches.map((b) => Buffer.byteLength(b.texts.join('')));
  const mb = bytes.reduce((a, b) => a + b, 0) / 1e6;
  const ours: number[][] = batches.map(() => []);
  const ref: number[][] = batches.map(() => []);
  const found = batches.map(() => ({ candidatePairs: 0, merged: 0, judgedShort: 0 }));
  for (let pass = 0; pass <= passes; pass++) {
    for (const [b, { texts }] of batches.entries()) {
      const c0 = cpuNow();
      const res = await passWithDefaults(texts);
      const c1 = cpuNow();
      clusterReference(texts);
      const c2 = cpuNow();
      if (pass === 0) {
        found[b] = {
          candidatePairs: res.candidatePairs,
          merged: res.representative.filter((r, i) => r !== res.ids[i]).length,
          judgedShort: res.units.reduce((n, u) => n + (u === UNIT_CHAR ? 1 : 0), 0),
        };
        continue;
      }
      ours[b].push(c1 - c0);
      ref[b].push(c2 - c1);
    }
  }
  const total = (per: number[][]) => medianOf(per[0].map((_, k) => per.reduce((s, runs) => s + runs[k], 0)));
  const oursCpu = total(ours);
  const refCpu = total(ref);
  const stages = await stageCosts(
    batches.map((b) => b.texts),
    3,
  );
  return {
    what: 'every real record of the three sources (npm package.json metadata, MedQuAD questions with focus terms, Croissant name/description records), no planted copies, one batch per source; operator defaults: signing + verification + clustering; MB/s per core over process CPU time, median of the passes after a warm-up, the plain reference (128-permutation char 5-gram MinHash-LSH, no verification) on the same batches in the same passes',
    records: batches.reduce((n, b) => n + b.texts.length, 0),
    mb: +mb.toFixed(3),
    passes,
    mbPerSecPerCore: +(mb / oursCpu).toFixed(1),
    referenceMbPerSecPerCore: +(mb / refCpu).toFixed(1),
    cpuSecondsRuns: ours[0].map((_, k) => +ours.reduce((s, runs) => s + runs[k], 0).toFixed(3)),
    bySource: Object.fromEntries(
      batches.map((b, i) => [
        b.source,
        {
          records: b.texts.length,
          judgedShort: found[i].judgedShort,
          meanBytes: Math.round(bytes[i] / b.texts.length),
          candidatePairs: found[i].candidatePairs,
          duplicatesFound: found[i].merged,
          mbPerSecPerCore: +(bytes[i] / 1e6 / medianOf(ours[i])).toFixed(1),
          referenceMbPerSecPerCore: +(bytes[i] / 1e6 / medianOf(ref[i])).toFixed(1),
        },
      ]),
    ),
    stages,
  };
}

function loadBases(root: string): {
  bases: ShortRecord[];
  sources: Record<string, { records: number; bases: number; lookAlikeJaccardMedian: number }>;
} {
  const sources: Record<string, { records: number; bases: number; lookAlikeJaccardMedian: number }> = {};
  const bases: ShortRecord[] = [];
  for (const [name, records] of Object.entries({ npm: npmRecords(root), medquad: medquadRecords(), croissant: croissantRecords() })) {
    const picked = pickBases(records, 150);
    const sorted = [...picked.lookAlikeJaccard].sort((a, b) => a - b);
    sources[name] = {
      records: records.length,
      bases: picked.bases.length,
      lookAlikeJaccardMedian: +(sorted[sorted.length >> 1] ?? 0).toFixed(3),
    };
    bases.push(...picked.bases);
  }
  return { bases, sources };
}

const bySource = (set: LabelledRecord[], pred: string[]) =>
  Object.fromEntries(['npm', 'medquad', 'croissant'].map((s) => [s, scorePairs(set, pred, (r) => r.source === s)]));

/**
 * The longer end of short records (250-400 characters: many authors, long keyword lists), where a
 * record can pass 50 words: npm metadata with up to 12 people and 30 keywords, each record with a
 * copy per edit kind (no look-alike pairing: there are too few such records for it), ours against
 * the reference per kind, with how many records reach 50 words.
 */
export async function runLongerRecords(root: string): Promise<Record<string, unknown>> {
  const enc = new TextEncoder();
  const records = npmRecords(root, { people: 12, keywords: 30, maintainers: true }).filter((r) => {
    const n = enc.encode(renderRecord(r.fields)).length;
    return n >= 250 && n <= 400;
  });
  if (records.length < 10) return { skipped: `only ${records.length} npm records of 250-400 characters` };
  const bases = records.slice(0, 300);
  const words = bases
    .map(
      (r) =>
        renderRecord(r.fields)
          .split(/[^A-Za-z0-9\u0080-\uffff]+/)
          .filter(Boolean).length,
    )
    .sort((a, b) => a - b);
  const perKind: Record<string, { ours: PairScore; withoutMedium: PairScore; reference: PairScore }> = {};
  for (const kind of [...EDIT_KINDS, 'all'] as const) {
    const set = buildKindSet(bases, kind);
    const texts = set.map((r) => r.text);
    perKind[kind] = {
      ours: scorePairs(set, await clusterWithDefaults(texts)),
      // The defaults as they were before medium records: 50 words and more judged by word 5-grams.
      withoutMedium: scorePairs(set, await clusterWithDefaults(texts, { mediumWords: undefined })),
      reference: scorePairs(set, clusterReference(texts)),
    };
  }
  const mean = (k: 'ours' | 'withoutMedium' | 'reference') =>
    +(EDIT_KINDS.reduce((s, e) => s + (perKind[e][k].f1 ?? 0), 0) / EDIT_KINDS.length).toFixed(4);
  return {
    description:
      'npm package.json metadata of 250-400 characters (up to 12 people with maintainers, up to 30 keywords), each record with one copy per edit kind ("all": 1-3 copies of random kinds); no look-alike pairing',
    records: bases.length,
    wordsMedian: words[words.length >> 1],
    recordsOf50WordsOrMore: words.filter((w) => w >= 50).length,
    perKind,
    meanF1OverKinds: { ours: mean('ours'), withoutMedium: mean('withoutMedium'), reference: mean('reference') },
  };
}

export async function runShortRecords(root: string): Promise<Record<string, unknown>> {
  const { bases, sources } = loadBases(root);
  if (!bases.length) return { skipped: 'no short records found (node_modules, ../shared/corpora)' };
  const perKind: Record<
    string,
    { pairs: number; ours: PairScore; reference: PairScore; oursBySource: unknown; referenceBySource: unknown }
  > = {};
  const kinds: (EditKind | 'all')[] = [...EDIT_KINDS, 'all'];
  let oursCpu = 0;
  let refCpu = 0;
  let oursBytes = 0;
  for (const kind of kinds) {
    const set = buildKindSet(bases, kind);
    const texts = set.map((r) => r.text);
    const c0 = process.cpuUsage();
    const ours = await clusterWithDefaults(texts);
    const c = process.cpuUsage(c0);
    oursCpu += (c.user + c.system) / 1e6;
    oursBytes += Buffer.byteLength(texts.join(''));
    const r0 = process.cpuUsage();
    const ref = clusterReference(texts);
    const r = process.cpuUsage(r0);
    refCpu += (r.user + r.system) / 1e6;
    perKind[kind] = {
      pairs: set.filter((r) => r.kind !== 'base').length,
      ours: scorePairs(set, ours),
      reference: scorePairs(set, ref),
      oursBySource: bySource(set, ours),
      referenceBySource: bySource(set, ref),
    };
  }
  // Every kind together: the headline figure, and the threshold sweep that justifies the default.
  const all = buildKindSet(bases, 'all', 9);
  const allTexts = all.map((r) => r.text);
  const sweep: Record<string, PairScore> = {};
  for (const t of [0.7, 0.75, 0.8, 0.82, 0.83, 0.84, 0.85, 0.9, 0.95])
    sweep[t.toFixed(2)] = scorePairs(all, await clusterWithDefaults(allTexts, { threshold: t }));
  // Steady state: the same sets three times more, now that the JIT has compiled the hot loops
  // (the first pass above also pays for compiling them, on sets of ~1,400 records each); the median.
  const kindTexts = kinds.map((kind) => buildKindSet(bases, kind).map((r) => r.text));
  const warmRuns: number[] = [];
  const warmRefRuns: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    let warm = 0;
    let warmRef = 0;
    for (const texts of kindTexts) {
      const c0 = cpuNow();
      await clusterWithDefaults(texts);
      const c1 = cpuNow();
      clusterReference(texts);
      warm += c1 - c0;
      warmRef += cpuNow() - c1;
    }
    warmRuns.push(warm);
    warmRefRuns.push(warmRef);
  }
  const warmCpu = medianOf(warmRuns);
  const warmRefCpu = medianOf(warmRefRuns);
  const mean = (k: 'ours' | 'reference') => +(EDIT_KINDS.reduce((s, e) => s + perKind[e][k].f1!, 0) / EDIT_KINDS.length).toFixed(4);
  return {
    description:
      'Real short records (npm package.json metadata, MedQuAD questions with focus terms, Croissant name/description records; 60-400 characters), each beside its closest real look-alike in the same source (a distinct record), plus copies made by one controlled edit kind; "all": 1-3 copies of random kinds per record. Pairwise precision/recall/F1 over the clusters.',
    sources,
    records: bases.length,
    oursSettings: defaultSpec(),
    reference: { ...REFERENCE_SPEC, rule: 'band collision = duplicate, union of all collisions (datasketch-style MinHashLSH)' },
    perKind,
    meanF1OverKinds: { ours: mean('ours'), reference: mean('reference') },
    thresholdSweepAllKinds: sweep,
    throughput: {
      set: 'candidate-dense: the labelled sets above, every record planted beside its look-alike and 1-3 edited copies',
      records: kindTexts.reduce((n, t) => n + t.length, 0),
      mb: +(oursBytes / 1e6).toFixed(3),
      mbPerSecPerCore: +(oursBytes / 1e6 / warmCpu).toFixed(1),
      referenceMbPerSecPerCore: +(oursBytes / 1e6 / warmRefCpu).toFixed(1),
      firstPass: {
        mbPerSecPerCore: +(oursBytes / 1e6 / oursCpu).toFixed(1),
        referenceMbPerSecPerCore: +(oursBytes / 1e6 / refCpu).toFixed(1),
      },
      stages: await stageCosts(kindTexts, 3),
      note: 'signing + verification + clustering of the short sets (records of 60-400 bytes, each with its look-alike and 1-3 edited copies: nearly every record is a candidate and is verified), over process CPU time, median of three warm passes (firstPass: the scored pass, JIT warm-up included); the reference signs 128 permutations and verifies nothing',
    },
    target: "F1 >= 0.95 and >= the reference's, per kind and on all kinds together",
    longerRecords: await runLongerRecords(root),
  };
}
