import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import {
  advanceSettlement,
  computeReceipt,
  inferenceView,
  renderInferenceHtml,
  renderReceiptHtml,
  verifyRewardProof,
} from '../src/index.js';
import { DATANET, TERMS, seedEpoch, seedRegistry } from './accountability-fixture.js';
import { chromiumSkip, screenshotHtml } from './receipt-browser.js';
import { checkAllReceipts, recomputeReceipt } from './receipt-check.js';
import { rng } from './fixtures.js';

describe('payout receipts of a small generated epoch (PGlite)', () => {
  let t: TestDb;
  let epoch: string;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await seedRegistry(t.db, 'pglite', 6, 5);
    const e = await seedEpoch(t.db, '2026-11-22', 50, 6, 5, 3);
    epoch = e.id;
    const s = await advanceSettlement(t.db, { datanet: DATANET, epoch, terms: TERMS, windowMs: 0, now: e.endMs + 1 });
    expect(s.state).toBe('final');
  });
  afterAll(() => t?.close());

  it("each contributor's receipt adds up exactly to their payout, and the proof verifies", async () => {
    const receipts = await checkAllReceipts(t.db, DATANET, epoch);
    expect(receipts.length).toBe(6);
    for (const r of receipts.filter((x) => x.claim)) {
      const c = r.claim!;
      expect(
        verifyRewardProof(c.root, BigInt(r.epochNumber), { index: c.index, account: r.account, amount: BigInt(r.amount) }, c.proof),
      ).toBe(true);
      expect(BigInt(r.weights.floorQuota) + BigInt(r.weights.largestRemainderAdjustment)).toBe(BigInt(r.amount));
      expect(['0', '1']).toContain(r.weights.largestRemainderAdjustment);
    }
  });

  it('a random receipt recomputed from the raw attribution rows gives the same numbers', async () => {
    const random = rng(Date.now() % 100_000);
    const accounts = (await checkAllReceipts(t.db, DATANET, epoch)).map((r) => r.account);
    for (let k = 0; k < 3; k++) {
      const account = accounts[Math.floor(random() * accounts.length)];
      await recomputeReceipt(t.db, DATANET, epoch, (await computeReceipt(t.db, { datanet: DATANET, epoch, account }))!);
    }
  });

  it.skipIf(chromiumSkip)(
    `the HTML receipt and the inference view render in Chromium with the spans highlighted${chromiumSkip ? ` (skipped: ${chromiumSkip})` : ''}`,
    async () => {
      const [r] = (await checkAllReceipts(t.db, DATANET, epoch)).sort((a, b) => (BigInt(b.amount) > BigInt(a.amount) ? 1 : -1));
      const marks = await screenshotHtml(renderReceiptHtml(r), 'receipt-generated');
      const spans = r.lines.flatMap((l) => (l.evidence.kind === 'spans' ? l.evidence.spans.map((s) => s.text) : []));
      expect(marks.output.length).toBe(spans.length);
      // Every span is marked in the output of its line, in order; in the contributions (whose text
      // spells them in capitals here) each mark is one of the spans.
      expect(marks.output).toEqual(spans);
      expect(marks.contribution.length).toBeGreaterThan(0);
      for (const m of marks.contribution) expect(spans).toContain(m.toLowerCase());
      const v = (await inferenceView(t.db, { datanet: DATANET, epoch, inferenceId: r.lines[0].inferenceId }))!;
      expect(v.spans.length).toBeGreaterThan(0);
      const shot = await screenshotHtml(renderInferenceHtml(v), 'inference-generated');
      expect(shot.output.length).toBe(v.spans.filter((s) => s.output).length);
    },
  );
});
