// The dedupe.reuse part of `npm run bench -- dedupe`: recall per kind of copy and share copied,
// false positives on independent answers on the same topic, the minContainment sweep that
// justifies the default, and throughput per core, each beside the previous matcher's (shared
// 5-grams only) in the same run.
import { REUSE_MIN_CONTAINMENT } from '../src/reuse/reuse-operator.js';
import { prepare, REUSE_SHINGLES, ReuseMatcher, type ReuseMatch } from '../src/reuse/reuse-matcher.js';
import { buildReuseSet, type ReuseCase } from './reuse-set.js';

interface Outcome {
  c: ReuseCase;
  best?: ReuseMatch;
}

type Settings = typeof REUSE_SHINGLES | typeof PREVIOUS;

/** The matcher before gap-tolerant verification (candidates by sampled 5-grams from half the threshold up; shared 5-grams only), measured in the same run. */
const PREVIOUS = { ...REUSE_SHINGLES, candidateKeys: 'sampled', candidateFloor: 0.5, gap: 0 } as const;

/** Sources first (the persistent index), then the new records in order; kept records become sources. */
function runMatcher(
  set: NonNullable<ReturnType<typeof buildReuseSet>>,
  minContainment: number,
  inBatch: boolean,
  shingles: Settings = REUSE_SHINGLES,
): { outcomes: Outcome[]; candidatesVerified: number } {
  const settings = { ...shingles, minContainment };
  const m = new ReuseMatcher(settings);
  for (const s of set.sources) m.addSource(s.id, prepare(s.text, settings));
  const outcomes = set.cases.map((c) => {
    const p = prepare(c.text, settings);
    const [best] = m.match(p);
    if (!best && inBatch) m.addSource(c.id, p);
    return { c, best };
  });
  return { outcomes, candidatesVerified: m.candidatesVerified };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function score(outcomes: Outcome[], threshold: number) {
  const cells: Record<string, { records: number; flagged: number; creditedToSource: number; recall: number; meanContainment: number }> = {};
  let independent = 0;
  let falsePositives = 0;
  const fpExamples: { id: string; source: string; containment: number }[] = [];
  for (const { c, best } of outcomes) {
    const flagged = !!best && best.containment >= threshold;
    if (c.kind === 'independent') {
      independent++;
      if (flagged) {
        falsePositives++;
        if (fpExamples.length < 5) fpExamples.push({ id: c.id, source: best!.sourceId, containment: +best!.containment.toFixed(3) });
      }
      continue;
    }
    const key = `${c.kind} ${Math.round(c.fraction! * 100)}%`;
    const cell = (cells[key] ??= { records: 0, flagged: 0, creditedToSource: 0, recall: 0, meanContainment: 0 });
    cell.records++;
    cell.meanContainment += best?.containment ?? 0;
    if (flagged) {
      cell.flagged++;
      if (best!.sourceId === c.sourceId) cell.creditedToSource++;
    }
  }
  for (const cell of Object.values(cells)) {
    cell.recall = +(cell.flagged / cell.records).toFixed(3);
    cell.meanContainment = +(cell.meanContainment / cell.records).toFixed(3);
  }
  const target = Object.entries(cells).filter(([k]) => /^(verbatim|light) (50|75)%$/.test(k));
  const hit = target.reduce((s, [, v]) => s + v.flagged, 0);
  const all = target.reduce((s, [, v]) => s + v.records, 0);
  const dense = Object.entries(cells).filter(([k]) => /^dense (50|75)%$/.test(k));
  const denseHit = dense.reduce((s, [, v]) => s + v.flagged, 0);
  const denseAll = dense.reduce((s, [, v]) => s + v.records, 0);
  return {
    cells,
    recallVerbatimAndLight50Plus: +(hit / all).toFixed(3),
    recallDenseLight50Plus: denseAll ? +(denseHit / denseAll).toFixed(3) : undefined,
    independent,
    falsePositives,
    falsePositiveRate: +(falsePositives / independent).toFixed(4),
    fpExamples,
  };
}

export async function runReuseBench(): Promise<Record<string, unknown>> {
  const set = buildReuseSet();
  if (!set) return { skipped: 'MedQuAD is absent (../shared/corpora/medquad)' };
  // Warm-up, then three measured passes of each matcher, alternating, with the default threshold,
  // in-batch sources included; medians of CPU and wall time.
  runMatcher(set, REUSE_MIN_CONTAINMENT, true);
  runMatcher(set, REUSE_MIN_CONTAINMENT, true, PREVIOUS);
  const bytes = [...set.sources, ...set.cases].reduce((s, x) => s + Buffer.byteLength(x.text), 0);
  const timed = (shingles: Settings) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = runMatcher(set, REUSE_MIN_CONTAINMENT, true, shingles);
    const wall = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    return { ...r, wall, cpu: (cu.user + cu.system) / 1e6 };
  };
  const now: ReturnType<typeof timed>[] = [];
  const before: ReturnType<typeof timed>[] = [];
  for (let i = 0; i < 3; i++) {
    now.push(timed(REUSE_SHINGLES));
    before.push(timed(PREVIOUS));
  }
  const throughput = (runs: ReturnType<typeof timed>[]) => ({
    mb: +(bytes / 1e6).toFixed(2),
    mbPerSecPerCore: +(bytes / 1e6 / median(runs.map((r) => r.cpu))).toFixed(1),
    mbPerSecWall: +(bytes / 1e6 / median(runs.map((r) => r.wall))).toFixed(1),
    candidatesVerifiedPerRecord: +(runs[0].candidatesVerified / set.cases.length).toFixed(2),
  });
  const { outcomes } = now[0];
  const previous = score(before[0].outcomes, REUSE_MIN_CONTAINMENT);
  // The sweep: every candidate verified (threshold 0), then each threshold applied to the best match.
  const all = runMatcher(set, 0, false).outcomes;
  const sweep: Record<string, unknown> = {};
  for (const t of [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]) {
    const s = score(all, t);
    sweep[t.toFixed(2)] = {
      recallVerbatimAndLight50Plus: s.recallVerbatimAndLight50Plus,
      recallDenseLight50Plus: s.recallDenseLight50Plus,
      falsePositiveRate: s.falsePositiveRate,
      cells: Object.fromEntries(Object.entries(s.cells).map(([k, v]) => [k, v.recall])),
    };
  }
  return {
    description:
      'MedQuAD answers of 120-400 words as earlier contributions; new records copy a contiguous 25/50/75% of one source verbatim, with light edits (about 1 word in 8 replaced, dropped or given a filler), with dense light edits as people revise (about 1 word in 4: replaced, dropped, a word inserted, two swapped, -s/-ed/-ing changed; a second copy of each light-copied source) or heavily rewritten (sentences shuffled, 1 in 3 words replaced or dropped), padded with 0.5-1.5x as much text of unrelated answers; independent records are other answers on the same focus from the same NIH site.',
    sources: set.sources.length,
    records: set.cases.length,
    sameFocusAnswersNotIndependent: set.notIndependent,
    settings: { ...REUSE_SHINGLES, minContainment: REUSE_MIN_CONTAINMENT },
    ...score(outcomes, REUSE_MIN_CONTAINMENT),
    sweep,
    throughput: throughput(now),
    before: {
      description:
        'the matcher before gap-tolerant verification (candidates by sampled 5-grams from half the threshold up, containment by shared 5-grams only), same run, same passes, same word splitting',
      settings: { ...PREVIOUS, minContainment: REUSE_MIN_CONTAINMENT },
      recallVerbatimAndLight50Plus: previous.recallVerbatimAndLight50Plus,
      recallDenseLight50Plus: previous.recallDenseLight50Plus,
      falsePositives: previous.falsePositives,
      falsePositiveRate: previous.falsePositiveRate,
      cells: Object.fromEntries(Object.entries(previous.cells).map(([k, v]) => [k, v.recall])),
      throughput: throughput(before),
    },
    target:
      'recall >= 0.9 on verbatim and light copies (sparse and dense) of >= 50% of a source; false positives <= 1% on independent records; >= 10 MB/s per core',
  };
}
