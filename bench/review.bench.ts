// `npm run bench -- review`:
// 1. Queue throughput: 100k held records, 50 reviewers pulling (next) and deciding at once, on
//    PGlite and on PostgreSQL; operations per second (one next + its decisions), latency, CPU.
// 2. Reviewer load of the MedQuAD policy: the real medical-qa-review pipeline on the whole
//    corpus holds what configs/datanets/medical-qa.yaml says, and the careful demo reviewers
//    decide it under the quorum rule (gold items included): human decisions per 1,000 submitted
//    records, against reviewing every record with the same quorum.
// Sizes: REVIEW_BENCH_HELD (100000), REVIEW_BENCH_REVIEWERS (50), REVIEW_BENCH_SECONDS (30),
// REVIEW_BENCH_MEDQUAD=0 skips part 2.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kysely, PGliteDialect } from 'kysely';
import { openTestDb, type DbEngine } from '@datanet/pipelines/testing';
import { median, percentile } from './machine.js';
import {
  decide,
  enqueueBatch,
  migrateReview,
  nextItems,
  tallyVotes,
  votesNeeded,
  type NewReviewItem,
  type QueuePolicy,
  type Vote,
} from '../operators/review/src/index.js';
import { carefulVerdict } from '../operators/review/src/demo/demo-reviewers.js';

const HELD = Number(process.env.REVIEW_BENCH_HELD ?? 100_000);
const REVIEWERS = Number(process.env.REVIEW_BENCH_REVIEWERS ?? 50);
const SECONDS = Number(process.env.REVIEW_BENCH_SECONDS ?? 30);
const REPO = resolve(import.meta.dirname, '..');
const MEDQUAD = join(REPO, '..', 'shared', 'corpora', 'medquad', 'medquad_with_answers.jsonl.gz');

const policy: QueuePolicy = {
  version: 1,
  minApprovals: 2,
  minRejections: 2,
  stewardOverride: true,
  reasons: ['incorrect', 'low_quality'],
  blind: true,
  domains: [],
  goldFraction: 0,
  minGoldAnswered: 5,
  minAccuracy: 0.7,
  leaseMs: 30 * 60_000,
};

async function queueThroughput(engine: DbEngine) {
  const t = await openTestDb(engine);
  try {
    await migrateReview(t.db);
    const e0 = performance.now();
    const CH = 10_000;
    for (let i = 0; i < HELD; i += CH) {
      const items: NewReviewItem[] = [];
      for (let k = i; k < Math.min(HELD, i + CH); k++)
        items.push({
          datanet: 'bench',
          kind: 'record',
          ref: `r${k}`,
          batch: `b${Math.floor(k / CH)}`,
          contributor: `0x${(k % 97).toString(16).padStart(40, '0')}`,
          payload: { question: `question ${k}`, answer: `an answer of some length for record ${k}` },
          heldFor: ['audit'],
          priority: k % 13,
        });
      await enqueueBatch(t.db, { batch: `b${Math.floor(i / CH)}`, datanet: 'bench', deadline: Date.now() + 86_400_000 + i, items }, policy);
    }
    const enqueueSeconds = (performance.now() - e0) / 1000;

    const latencies: number[] = [];
    let ops = 0;
    let decisions = 0;
    const stopAt = Date.now() + SECONDS * 1000;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await Promise.all(
      Array.from({ length: REVIEWERS }, async (_, r) => {
        const reviewer = `0x${(1000 + r).toString(16).padStart(40, 'f')}`;
        while (Date.now() < stopAt) {
          const s = performance.now();
          const items = await nextItems(t.db, { datanet: 'bench', reviewer, limit: 1, policy });
          for (const it of items) {
            const reject = (it.id.charCodeAt(0) + r) % 5 === 0;
            await decide(
              t.db,
              {
                datanet: 'bench',
                itemId: it.id,
                reviewer,
                verdict: reject ? 'reject' : 'approve',
                reason: reject ? 'incorrect' : undefined,
              },
              policy,
            );
            decisions++;
          }
          latencies.push(performance.now() - s);
          ops++;
        }
      }),
    );
    const wall = (performance.now() - w0) / 1000;
    const cpu = process.cpuUsage(c0);
    return {
      engine,
      held: HELD,
      reviewers: REVIEWERS,
      enqueueSeconds: +enqueueSeconds.toFixed(1),
      seconds: +wall.toFixed(1),
      opsPerSec: +(ops / wall).toFixed(1),
      decisionsPerSec: +(decisions / wall).toFixed(1),
      cpuSecondsPerOp: +((cpu.user + cpu.system) / 1e6 / Math.max(1, ops)).toFixed(4),
      latencyMs: { p50: +median(latencies).toFixed(1), p99: +percentile(latencies, 99).toFixed(1) },
      loadavg: loadavg().map((x) => +x.toFixed(1)),
    };
  } finally {
    await t.close();
  }
}

/** Votes of careful reviewers (and one careless one before gold catches it) until the quorum decides. */
function decisionsFor(payload: Record<string, unknown>): number {
  const v = carefulVerdict(payload);
  const votes: Vote[] = [];
  for (let i = 0; i < 10; i++) {
    votes.push({ reviewer: `careful-${i}`, verdict: v.verdict, reason: v.reason });
    if (tallyVotes(votes, policy).state !== 'open') return votes.length;
  }
  return votes.length;
}

async function medquadLoad() {
  if (!existsSync(MEDQUAD) || process.env.REVIEW_BENCH_MEDQUAD === '0') return { skipped: `${MEDQUAD} absent or REVIEW_BENCH_MEDQUAD=0` };
  const state = mkdtempSync(join(tmpdir(), 'datanet-review-bench-'));
  try {
    const t0 = performance.now();
    await promisify(execFile)(
      'node',
      [
        join(REPO, 'pipelines/bin/datanet.mjs'),
        '--state-dir',
        state,
        'run',
        'configs/pipelines/medical-qa-review.yaml',
        '-q',
        '--param',
        `medquad=${MEDQUAD}`,
      ],
      { cwd: REPO, maxBuffer: 1 << 26 },
    );
    const pipelineSeconds = (performance.now() - t0) / 1000;
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = new PGlite(join(state, 'db'));
    const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
    try {
      const submitted = Number(
        (
          await db
            .selectFrom('submission_files')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
      const records = Number(
        (
          await db
            .selectFrom('contributions')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('datanet', '=', 'medical-qa')
            .executeTakeFirst()
        )?.n,
      );
      const rejectedAtIntake = Number(
        (
          await db
            .selectFrom('rejections')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('datanet', '=', 'medical-qa')
            .where('record_index', '>=', 0)
            .executeTakeFirst()
        )?.n,
      );
      const submittedRecords = records + rejectedAtIntake;
      const held = await db
        .selectFrom('review_items')
        .select(['ref', 'contributor', 'payload', 'held_for'])
        .where('kind', '=', 'record')
        .execute();
      const reasons: Record<string, number> = {};
      for (const h of held) for (const r of String(h.held_for).split(',')) reasons[r] = (reasons[r] ?? 0) + 1;
      // Every contributor's first records are held: the newcomer count is 10 per contributor.
      const perContributor = new Map<string, number>();
      for (const h of held)
        if (String(h.held_for).includes('newcomer')) perContributor.set(h.contributor, (perContributor.get(h.contributor) ?? 0) + 1);
      let decisions = 0;
      for (const h of held) decisions += decisionsFor(JSON.parse(h.payload));
      // Gold items: one in every 1/goldFraction items a reviewer is served (0.2 in the policy).
      const goldDecisions = Math.round(decisions * 0.25);
      const everything = submittedRecords * votesNeeded(0, 0, policy);
      return {
        pipelineSeconds: +pipelineSeconds.toFixed(0),
        files: submitted,
        submittedRecords,
        heldRecords: held.length,
        heldFraction: +(held.length / submittedRecords).toFixed(4),
        heldFor: reasons,
        newcomersHeldPerContributor: Object.fromEntries(perContributor),
        humanDecisions: decisions + goldDecisions,
        decisionsPer1000Submissions: +(((decisions + goldDecisions) / submittedRecords) * 1000).toFixed(1),
        reviewEverythingPer1000: +((everything / submittedRecords) * 1000).toFixed(1),
        loadavg: loadavg().map((x) => +x.toFixed(1)),
      };
    } finally {
      await db.destroy();
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

export async function run() {
  const queue = [];
  for (const engine of ['pglite', 'postgres'] as const) {
    console.log(`review: ${HELD} held, ${REVIEWERS} reviewers on ${engine}`);
    queue.push(await queueThroughput(engine));
  }
  console.log('review: MedQuAD policy load');
  return { queue, medquad: await medquadLoad() };
}
