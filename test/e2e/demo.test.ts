import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { id as keccakText } from 'ethers';
import { describe, expect, it } from 'vitest';
import { datanet } from './cli.js';

interface Summary {
  runId: string;
  status: string;
  steps: { id: string; status: string; cached: boolean; outputs: Record<string, { path: string; rows?: number }> }[];
}

const today = new Date().toISOString().slice(0, 10);

describe('the demo pipeline: the whole Datanet loop on a fresh state', () => {
  const state = mkdtempSync(join(tmpdir(), 'datanet-demo-'));
  let first: Summary;

  it('runs intake -> dedupe -> quality -> dataset -> train -> inference -> attribution -> settlement -> commit', async () => {
    first = await datanet<Summary>(state, ['run', 'configs/pipelines/demo.yaml', '-q']);
    expect(first.status).toBe('succeeded');
    const step = Object.fromEntries(first.steps.map((s) => [s.id, s]));
    for (const id of ['ingest', 'exact', 'near', 'quality', 'dataset', 'train', 'infer', 'spans', 'influence', 'settle', 'commit']) {
      expect(step[id].status, id).toBe('succeeded');
    }
    expect(step.ingest.outputs.accepted.rows).toBeGreaterThan(1000);
    expect(step.dataset.outputs.dataset.rows).toBeGreaterThan(100);
    const commit = await datanet(state, ['inspect', first.runId, 'commit']);
    expect(commit.json.status).toBe('committed');
    expect(commit.json.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('a second run of the same epoch sends no transaction', async () => {
    const again = await datanet<Summary>(state, ['run', 'configs/pipelines/demo.yaml', '-q']);
    expect(again.status).toBe('succeeded');
    const commit = await datanet(state, ['inspect', again.runId, 'commit']);
    expect(commit.json.status).toBe('already-committed');
    expect(commit.json.transactionsSent).toBe(0);
    const settle = again.steps.find((s) => s.id === 'settle') as Summary['steps'][number] & { summary: string[] };
    expect(settle.summary[0]).toMatch(/settled before; nothing paid again/);
  });

  it('a contributor verifies a contribution and claims exactly their statement amount', async () => {
    const dataset = await datanet(state, ['inspect', first.runId, 'dataset', '--output', 'dataset', '-n', '3']);
    const contributionId = dataset.rows[2].contribution_id as string;
    const verified = await datanet(state, ['verify', '--datanet', 'package-docs', '--epoch', today, contributionId]);
    expect(verified.verified).toBe(true);
    expect(verified.contributor.toLowerCase()).toBe(String(dataset.rows[2].contributor).toLowerCase());

    const payouts = await datanet(state, ['inspect', first.runId, 'settle', '--output', 'payouts', '-n', '100']);
    expect(payouts.rows.length).toBeGreaterThan(0);
    const payout = payouts.rows[0] as { account: string; amount: string };
    // The demo's contributors sign with keys derived from their label (deterministic demo keys).
    const submissions = await datanet(state, ['inspect', first.runId, 'submit', '-n', '1000']);
    const group = (submissions.rows as { group: string; contributor: string }[]).find((r) => r.contributor.toLowerCase() === payout.account.toLowerCase())!.group;
    const keyFile = join(state, 'contributor.key');
    writeFileSync(keyFile, keccakText(`datanet-demo:${group}`).slice(2));
    const claim = await datanet(state, ['claim', '--epoch', today, '--datanet', 'package-docs', '--key', keyFile]);
    expect(claim.status).toBe('claimed');
    expect(claim.amount).toBe(payout.amount);
    expect(claim.balance).toBe(payout.amount);
    await expect(datanet(state, ['claim', '--epoch', today, '--datanet', 'package-docs', '--key', keyFile])).resolves.toMatchObject({ status: 'already-claimed' });
  });
});
