import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { id } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { DatanetChain } from '../src/index.js';

const stateDir = mkdtempSync(join(tmpdir(), 'datanet-evm-'));
const datanet = id('persisted');
const roots = { datasetRoot: id('d'), contributionsRoot: id('c'), modelHash: id('m'), settlementRoot: id('s') };

describe('the embedded chain persists under the state dir', () => {
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('shows a commit made by this process to a second process', async () => {
    const chain = await DatanetChain.open({}, stateDir);
    await chain.ensureDatanet(datanet);
    const receipt = await chain.commitEpoch(datanet, 3n, roots, 'meta');
    await chain.close();

    const script = `
      import { DatanetChain } from './src/index.ts';
      const chain = await DatanetChain.open({}, ${JSON.stringify(stateDir)});
      const c = await chain.readCommit(${JSON.stringify(datanet)}, 3n);
      const r = await chain.conn.provider.getTransactionReceipt(${JSON.stringify(receipt.hash)});
      // A second write from this process must land on top of the replayed state.
      await chain.commitEpoch(${JSON.stringify(datanet)}, 4n, ${JSON.stringify(roots)}, 'meta4');
      console.log(JSON.stringify({ c, block: r?.blockNumber, registry: chain.deployment.registry }));
      await chain.close();
    `;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const seen = JSON.parse(out.stdout.trim().split('\n').pop()!);
    expect(seen.c.datasetRoot).toBe(roots.datasetRoot);
    expect(seen.c.metadataURI).toBe('meta');
    expect(seen.block).toBe(receipt.blockNumber);
    expect(seen.registry).toBe(chain.deployment.registry);

    const again = await DatanetChain.open({}, stateDir);
    expect((await again.readCommit(datanet, 4n))?.metadataURI).toBe('meta4');
    expect((await again.readCommit(datanet, 3n))?.committedAt).toBe(
      (await again.conn.provider.getBlock(receipt.blockNumber))?.timestamp ?? -1,
    );
    await again.close();
    const journal = readFileSync(join(stateDir, 'chain', 'embedded', 'journal.jsonl'), 'utf8');
    expect(journal).not.toMatch(/privateKey/);
  }, 120_000);
});
