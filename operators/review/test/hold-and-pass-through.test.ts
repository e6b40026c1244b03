import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, Utf8, Int32, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ReviewPolicySchema } from '@datanet/datanet';
import { runOperator } from '@datanet/pipelines/testing';
import { auditDraw, reviewQueue, selectHeld, type HoldCandidate } from '../src/index.js';

const A = '0x' + 'a'.repeat(40);
const B = '0x' + 'b'.repeat(40);

describe('what a review policy holds', () => {
  const records: HoldCandidate[] = Array.from({ length: 40 }, (_, i) => ({
    id: `r${i}`,
    contributor: i % 2 ? A : B,
    order: 100 - i, // arrival order is not row order
    qualityScore: i === 7 ? 0.4 : 1,
  }));

  it("holds each contributor's first N records by arrival, counting those held in earlier batches", () => {
    const hold = ReviewPolicySchema.parse({ hold: { firstRecords: 3 } }).hold;
    const held = selectHeld(records, { newcomerHeld: new Map([[A.toLowerCase(), 2]]), standing: new Map() }, hold);
    const newcomers = [...held].filter(([, r]) => r.includes('newcomer')).map(([id]) => id);
    // B's three earliest arrivals (highest i among even ids), and only A's earliest one.
    expect(newcomers.sort()).toEqual(['r34', 'r36', 'r38', 'r39'].sort());
  });

  it('holds low standing, low quality, and a reproducible audit sample of the rest', () => {
    const hold = ReviewPolicySchema.parse({ hold: { belowStanding: 0.5, qualityBelow: 0.5, auditFraction: 0.25, seed: 's' } }).hold;
    const standing = new Map([
      [A.toLowerCase(), 0.9],
      [B.toLowerCase(), 0.1],
    ]);
    const held = selectHeld(records, { newcomerHeld: new Map(), standing }, hold);
    for (const r of records) {
      const why = held.get(r.id) ?? [];
      expect(why.includes('low_standing')).toBe(r.contributor === B);
      expect(why.includes('low_quality')).toBe(r.id === 'r7');
      if (!why.includes('low_standing') && !why.includes('low_quality')) expect(why.includes('audit')).toBe(auditDraw('s', r.id) < 0.25);
    }
    expect(selectHeld(records, { newcomerHeld: new Map(), standing }, hold)).toEqual(held);
  });

  it('a Datanet without review: lets every record through, waits for nobody', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'review-none-'));
    const file = join(dir, 'plain.yaml');
    writeFileSync(file, 'apiVersion: datanet/v1\nkind: Datanet\nid: plain\ndomain: testing\nformats: [txt]\nlicences: [CC0-1.0]\n');
    const table = new Table({
      id: vectorFromArray(['x1', 'x2', 'x3'], new Utf8()),
      contributor: vectorFromArray([A, B, A], new Utf8()),
      receipt_seq: vectorFromArray([1, 2, 3], new Int32()),
    });
    const r = await runOperator(reviewQueue, { config: { datanet: file }, inputs: { table } });
    expect(r.outputs.accepted.table!.numRows).toBe(3);
    expect(r.outputs.rejections.table!.numRows).toBe(0);
    expect(r.outputs.decisions.table!.numRows).toBe(0);
  });
});

describe('only the review pipeline waits for people', () => {
  it('the embedded demo and the other pipelines have no review step; the demo Datanet has no review policy', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { loadDatanetDefinition } = await import('@datanet/datanet');
    const root = join(import.meta.dirname, '../../../configs');
    for (const f of readdirSync(join(root, 'pipelines')).filter((n) => n.endsWith('.yaml'))) {
      const uses = /uses:\s*review\.queue/.test(readFileSync(join(root, 'pipelines', f), 'utf8'));
      expect(uses, f).toBe(f === 'medical-qa-review.yaml');
    }
    expect(loadDatanetDefinition(join(root, 'datanets', 'package-docs.yaml')).review).toBeUndefined();
    expect(loadDatanetDefinition(join(root, 'datanets', 'medical-qa.yaml')).review?.hold.firstRecords).toBe(10);
  });
});
