import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PGliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPath, corpusSkipReason, REPO_ROOT } from '@datanet/pipelines/testing';
import {
  computeReceipt,
  epochAt,
  inferenceView,
  listProposals,
  loadPayouts,
  renderInferenceHtml,
  renderReceiptHtml,
  type Receipt,
} from '../src/index.js';
import { chromiumSkip, screenshotHtml } from './receipt-browser.js';
import { checkAllReceipts, recomputeReceipt } from './receipt-check.js';

// The MedQuAD loop (configs/pipelines/medical-qa.yaml) on the corpus sample of 150 answers per
// source (1,350 records, ~4 min here): intake, dedupe, quality, dataset, LoRA, inference, spans,
// settlement, commit. Then every receipt is checked against the payout.
const SAMPLE = 'medquad/medquad_sample_150_per_source.jsonl';
const sample = corpusPath(SAMPLE);
const DATANET = 'medical-qa';

describe.skipIf(!sample)(`receipts of the MedQuAD loop${sample ? '' : ` (${corpusSkipReason(SAMPLE)})`}`, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'datanet-medquad-receipts-'));
  const env = { ...process.env, DATANET_STATE_DIR: stateDir, DATABASE_URL: '', DATANET_RPC_URL: '' };
  let db: Kysely<any>;
  let epoch: string;
  let receipts: Receipt[];

  beforeAll(async () => {
    const run = spawn(
      process.execPath,
      [join(REPO_ROOT, 'pipelines/bin/datanet.mjs'), 'run', '-q', 'configs/pipelines/medical-qa.yaml', '--param', `medquad=${sample}`],
      {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    run.stdout.on('data', (d) => (log += d));
    run.stderr.on('data', (d) => (log += d));
    const code = await new Promise<number | null>((resolve) => run.on('exit', resolve));
    expect(code, log.slice(-4000)).toBe(0);
    epoch = epochAt(Date.now(), 'UTC').id;
    const { PGlite } = await import('@electric-sql/pglite');
    mkdirSync(join(stateDir, 'db'), { recursive: true });
    db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: new PGlite(join(stateDir, 'db')) }) });
  }, 1_500_000);
  afterAll(async () => {
    await db?.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("each contributor's receipts add up exactly to their payout", async () => {
    const [p] = await listProposals(db, DATANET, epoch);
    expect(p.status).toBe('final');
    receipts = await checkAllReceipts(db, DATANET, epoch);
    const paid = await loadPayouts(db, DATANET, epoch);
    expect(
      receipts
        .filter((r) => BigInt(r.amount) > 0n)
        .map((r) => r.account)
        .sort(),
    ).toEqual(paid.map((x) => x.account).sort());
    expect(paid.length).toBeGreaterThan(1);
    // MedQuAD answers carry their text: the matched spans are found in it.
    const spans = receipts.flatMap((r) => r.lines.flatMap((l) => (l.evidence.kind === 'spans' ? l.evidence.spans : [])));
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.filter((s) => s.output && s.contribution).length / spans.length).toBeGreaterThan(0.9);
  });

  it('the largest receipt recomputed from the raw attribution rows gives the same numbers; the CLI prints the same', async () => {
    const paid = receipts.filter((r) => BigInt(r.amount) > 0n);
    const size = (x: unknown) => JSON.stringify(x).length;
    // The largest (most lines) is the hardest to recompute and to print whole.
    const r = paid.reduce((a, b) => (size(b) > size(a) ? b : a));
    await recomputeReceipt(db, DATANET, epoch, r);
    await db.destroy(); // the CLI takes the store
    let out: SpawnSyncReturns<string>;
    try {
      out = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'pipelines/bin/datanet.mjs'), '--json', 'receipt', '--epoch', epoch, '--contributor', r.account],
        // A large contributor's receipt (one line per attributed inference, with its spans) runs to
        // megabytes: past spawnSync's default 1 MiB of output the child is killed (ENOBUFS, status null).
        { encoding: 'utf8', env, timeout: 120_000, maxBuffer: 512 * 1024 * 1024 },
      );
    } finally {
      // The store back for the next test, whatever happened here.
      const { PGlite } = await import('@electric-sql/pglite');
      db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: new PGlite(join(stateDir, 'db')) }) });
    }
    expect(out.status, `${r.account}: ${out.error?.message ?? ''} ${out.signal ?? ''} ${out.stderr}`).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(JSON.parse(JSON.stringify(r)));
  }, 180_000);

  it.skipIf(chromiumSkip)(
    `the HTML receipt renders in Chromium with the spans highlighted (screenshot)${chromiumSkip ? ` (skipped: ${chromiumSkip})` : ''}`,
    async () => {
      const top = [...receipts].sort((a, b) => (BigInt(b.amount) > BigInt(a.amount) ? 1 : -1))[0];
      const r = (await computeReceipt(db, { datanet: DATANET, epoch, account: top.account }))!;
      const marks = await screenshotHtml(renderReceiptHtml(r), 'receipt-medquad');
      const found = r.lines.flatMap((l) => (l.evidence.kind === 'spans' ? l.evidence.spans.filter((s) => s.output) : []));
      expect(marks.output.length).toBeGreaterThan(0);
      expect(marks.contribution.length).toBeGreaterThan(0);
      // Attribution's tokens are lower-cased: a mark shows the output's own spelling of a span.
      const spanTexts = new Set(found.map((s) => s.text.toLowerCase()));
      for (const m of marks.output) expect(spanTexts.has(m.toLowerCase()), m).toBe(true);
      const withSpans = r.lines.find((l) => l.evidence.kind === 'spans' && l.evidence.spans.length)!;
      const v = (await inferenceView(db, { datanet: DATANET, epoch, inferenceId: withSpans.inferenceId }))!;
      const shot = await screenshotHtml(renderInferenceHtml(v), 'inference-medquad');
      expect(shot.output.length).toBeGreaterThan(0);
    },
  );
});
