import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { id as keccakText } from 'ethers';
import { describe, expect, it } from 'vitest';
import { datanet, REPO } from './cli.js';

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
    first = await datanet<Summary>(state, ['run', 'configs/pipelines/demo.yaml', '-q', '--param', `out=${state}/out`]);
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
    expect(step.quality.outputs.kept.rows).toBeGreaterThan(0);
    expect(
      readFileSync(join(state, 'out', 'payouts.csv'), 'utf8')
        .trim()
        .split('\n').length,
    ).toBe(step.settle.outputs.payouts.rows! + 1);
  });

  it('a second run of the same epoch sends no transaction', async () => {
    const again = await datanet<Summary>(state, ['run', 'configs/pipelines/demo.yaml', '-q', '--param', `out=${state}/out`]);
    expect(again.status).toBe('succeeded');
    const commit = await datanet(state, ['inspect', again.runId, 'commit']);
    expect(commit.json.status).toBe('already-committed');
    expect(commit.json.transactionsSent).toBe(0);
    const settle = again.steps.find((s) => s.id === 'settle') as Summary['steps'][number] & { summary: string[] };
    expect(settle.summary[0]).toMatch(/settled before; nothing paid again/);
  });

  it('datanet attribute --model shows the evidence spans of an output and their contributions', async () => {
    const dataset = await datanet(state, ['inspect', first.runId, 'dataset', '--output', 'dataset', '-n', '1']);
    const sentence = String(dataset.rows[0].text).split(/\s+/).slice(0, 12).join(' ');
    const shown = await datanet(state, ['attribute', '--model', 'package-docs-lora', '--min-tokens', '4', '--', sentence]);
    expect(shown.attributions.length).toBeGreaterThan(0);
    expect(shown.attributions.map((a: { contributionId: string }) => a.contributionId.replace(/^0x/, ''))).toContain(
      String(dataset.rows[0].contribution_id).replace(/^0x/, ''),
    );
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
    const group = (submissions.rows as { group: string; contributor: string }[]).find(
      (r) => r.contributor.toLowerCase() === payout.account.toLowerCase(),
    )!.group;
    const keyFile = join(state, 'contributor.key');
    writeFileSync(keyFile, keccakText(`datanet-demo:${group}`).slice(2));
    const claim = await datanet(state, ['claim', '--epoch', today, '--datanet', 'package-docs', '--key', keyFile]);
    expect(claim.status).toBe('claimed');
    expect(claim.amount).toBe(payout.amount);
    expect(claim.balance).toBe(payout.amount);
    await expect(datanet(state, ['claim', '--epoch', today, '--datanet', 'package-docs', '--key', keyFile])).resolves.toMatchObject({
      status: 'already-claimed',
    });
  });
});

describe('the demo pipeline pointed at MedQuAD with the corpus parameter', () => {
  const medquad = join(REPO, '..', 'shared', 'corpora', 'medquad', 'medquad_with_answers.jsonl.gz');
  const present = existsSync(medquad);
  if (!present && process.env.CI === 'true') throw new Error(`${medquad} is missing; CI must have ../shared/corpora`);

  it.skipIf(!present)(`runs the same loop on MedQuAD's nine sources${present ? '' : ` (skipped: ${medquad} is absent)`}`, async () => {
    const state = mkdtempSync(join(tmpdir(), 'datanet-demo-medquad-'));
    const summary = await datanet<Summary>(state, [
      'run',
      'configs/pipelines/demo.yaml',
      '-q',
      '--param',
      `corpus=${medquad}`,
      '--param',
      'records=select source as contributor, source as package, answer as body from input where length(answer) between 200 and 4000 order by id limit 3000',
      '--param',
      'licence=CC-BY-4.0',
      '--param',
      `out=${state}/out`,
    ]);
    expect(summary.status).toBe('succeeded');
    const submit = await datanet(state, ['inspect', summary.runId, 'submit', '-n', '100']);
    expect(new Set((submit.rows as { group: string }[]).map((r) => r.group)).size).toBe(9);
    const commit = await datanet(state, ['inspect', summary.runId, 'commit']);
    expect(commit.json.status).toBe('committed');
    expect(readFileSync(join(state, 'out', 'payouts.csv'), 'utf8').split('\n')[0]).toBe('epoch,index,account,amount,attribution,standing');
  });
});
