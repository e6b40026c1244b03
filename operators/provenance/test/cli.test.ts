import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDatanetCli, runOperator } from '@datanet/pipelines/testing';
import { provenanceCommit } from '../src/index.js';
import { makeEpochFixture, type EpochFixture } from './fixtures.js';

const stateDir = mkdtempSync(join(tmpdir(), 'datanet-cli-'));
const epoch = 2;

function datanet(...args: string[]) {
  return runDatanetCli(args, { env: { ...process.env, DATANET_STATE_DIR: stateDir, DATABASE_URL: '', DATANET_RPC_URL: '' } });
}

describe('the real `datanet` CLI: verify and claim after a commit', () => {
  let fx: EpochFixture;

  beforeAll(async () => {
    fx = makeEpochFixture(join(stateDir, 'fixture'), BigInt(epoch), 'cli');
    await runOperator(provenanceCommit, {
      config: { datanet: 'cli-datanet', epoch },
      inputs: { manifest: fx.manifestPath, settlement: fx.rewardsPath },
      stateDir,
    });
  }, 120_000);
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('verify proves a contributed file against the chain', () => {
    const r = datanet('--json', 'verify', '--datanet', 'cli-datanet', '--epoch', String(epoch), '--manifest', fx.manifestPath, fx.files[0]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.verified).toBe(true);
    expect(out.contributor).toMatch(/^0x[0-9a-fA-F]{40}$/);
  }, 120_000);

  it('verify exits 1 for a file that is not in the dataset and 2 for a bad epoch', () => {
    const stranger = join(stateDir, 'stranger.txt');
    writeFileSync(stranger, 'never contributed');
    const r = datanet('verify', '--datanet', 'cli-datanet', '--epoch', String(epoch), '--manifest', fx.manifestPath, stranger);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not in dataset/);
    expect(datanet('verify', '--datanet', 'cli-datanet', '--epoch', 'two', 'x').code).toBe(2);
  }, 120_000);

  it('claim pays the statement amount and prints the tx hash; the key never appears in output', () => {
    const keyFile = join(stateDir, 'contributor.key');
    writeFileSync(keyFile, fx.contributorKeys[0]);
    const r = datanet(
      '--json',
      'claim',
      '--epoch',
      String(epoch),
      '--key',
      keyFile,
      '--datanet',
      'cli-datanet',
      '--rewards',
      fx.rewardsPath,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('claimed');
    expect(out.account).toBe(new Wallet(fx.contributorKeys[0]).address);
    expect(out.amount).toBe(fx.amounts[0].toString());
    expect(out.balance).toBe(fx.amounts[0].toString());
    expect(out.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(r.stdout + r.stderr).not.toContain(fx.contributorKeys[0].slice(2));
    const human = datanet('claim', '--epoch', String(epoch), '--key', keyFile, '--datanet', 'cli-datanet', '--rewards', fx.rewardsPath);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/already claimed: 600/);
  }, 120_000);
});
