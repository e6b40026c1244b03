// The short-record part of `npm run bench -- dedupe`: the operator's defaults against plain
// character 5-gram MinHash-LSH (128 permutations, 16x8 bands, band collision = duplicate, union
// of all collisions) on the project's labelled set, per edit kind and per source, in one run.
import { MinHasher, type MinHashSpec } from '../src/minhash.js';
import { minhashDedupe } from '../src/minhash-dedupe.js';
import { clusterSignatures } from '../src/lsh-cluster.js';
import { dedupeMinhash, specOf } from '../src/minhash-operator.js';
import { packTexts } from './corpora.js';
import { EDIT_KINDS, type EditKind } from './record-edits.js';
import { croissantRecords, medquadRecords, npmRecords, type ShortRecord } from './short-records.js';
import { buildKindSet, pickBases, scorePairs, type LabelledRecord, type PairScore } from './short-set.js';

/** The reference of the issue: plain MinHash-LSH on character 5-grams, 128 permutations, 16 bands x 8 rows. */
export const REFERENCE_SPEC: MinHashSpec = { shingles: { unit: 'char', n: 5 }, permutations: 128, bands: 16, rows: 8, seed: 1 };

/** The operator's defaults, as a step with an empty `with:` gets them. */
export function defaultSpec(): { spec: MinHashSpec; jaccardThreshold: number } {
  const config = dedupeMinhash.config.parse({});
  return { spec: specOf(config), jaccardThreshold: config.jaccardThreshold };
}

export async function clusterWithDefaults(texts: string[], override?: Partial<MinHashSpec['short']>): Promise<string[]> {
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
  return res.representative;
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
  // Steady state: the same sets once more, now that the JIT has compiled the hot loops (the first
  // pass above also pays for compiling them, on sets of ~1,400 records each).
  let warmCpu = 0;
  let warmRefCpu = 0;
  for (const kind of kinds) {
    const texts = buildKindSet(bases, kind).map((r) => r.text);
    const c0 = process.cpuUsage();
    await clusterWithDefaults(texts);
    const c = process.cpuUsage(c0);
    warmCpu += (c.user + c.system) / 1e6;
    const r0 = process.cpuUsage();
    clusterReference(texts);
    const r = process.cpuUsage(r0);
    warmRefCpu += (r.user + r.system) / 1e6;
  }
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
      mb: +(oursBytes / 1e6).toFixed(3),
      mbPerSecPerCore: +(oursBytes / 1e6 / warmCpu).toFixed(1),
      referenceMbPerSecPerCore: +(oursBytes / 1e6 / warmRefCpu).toFixed(1),
      firstPass: {
        mbPerSecPerCore: +(oursBytes / 1e6 / oursCpu).toFixed(1),
        referenceMbPerSecPerCore: +(oursBytes / 1e6 / refCpu).toFixed(1),
      },
      note: 'signing + verification + clustering of the short sets (records of 60-400 bytes, each with its look-alike and 1-3 edited copies: nearly every record is a candidate and is verified), over process CPU time, second pass (firstPass: the scored pass, JIT warm-up included); the reference signs 128 permutations and verifies nothing',
    },
    target: "F1 >= 0.95 and >= the reference's, per kind and on all kinds together",
  };
}
