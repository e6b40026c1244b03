// Embedded chain costs: gas of commit and claim, transaction latency with and without the
// persistence journal, and the time to reopen (replay) a journal of N transactions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Wallet, id } from 'ethers';
import { DatanetChain, REWARD_LEAF_TYPES, devAccountKeys } from '@datanet/connector-evm';
import { median } from './machine.js';

async function commitLatencies(chain: DatanetChain, n: number, tag: string): Promise<number[]> {
  const datanet = id(`bench-${tag}`);
  await chain.ensureDatanet(datanet);
  const times: number[] = [];
  for (let e = 0; e < n; e++) {
    const t0 = performance.now();
    await chain.commitEpoch(
      datanet,
      BigInt(e),
      { datasetRoot: id(`d${e}`), contributionsRoot: id(`c${e}`), modelHash: id(`m${e}`), settlementRoot: id(`s${e}`) },
      '',
    );
    times.push(performance.now() - t0);
  }
  return times;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'datanet-chain-bench-'));
  try {
    const N = 200;
    const memory = await DatanetChain.open({ ephemeral: true }, dir);
    const memTimes = await commitLatencies(memory, N, 'mem');

    // Gas: claims of a 1024-leaf tree, the first and a later one in the same bitmap word.
    const accounts = Array.from({ length: 1024 }, (_, i) => new Wallet(id(`acct ${i}`)).address);
    const tree = StandardMerkleTree.of(
      accounts.map((a, i) => [1n, BigInt(i), a, 1000n + BigInt(i)] as [bigint, bigint, string, bigint]),
      [...REWARD_LEAF_TYPES],
    );
    const { distributor } = await memory.ensureDatanet(id('bench-mem'));
    await memory.fundEpoch(
      distributor,
      1n,
      tree.root,
      [...tree.entries()].reduce((s, [, v]) => s + v[3], 0n),
    );
    const claimGas: bigint[] = [];
    for (const i of [0, 1, 2, 3]) {
      const [epoch, index, account, amount] = tree.at(i)!;
      claimGas.push((await memory.claim(distributor, { epoch, index, account, amount, proof: tree.getProof(i) })).gasUsed);
    }
    const commitGas = (
      await memory.commitEpoch(
        id('bench-mem'),
        10_000n,
        { datasetRoot: id('d'), contributionsRoot: id('c'), modelHash: id('m'), settlementRoot: id('s') },
        'ipfs://bafy...',
      )
    ).gasUsed;
    await memory.close();

    const persistent = await DatanetChain.open({}, dir);
    const journalTimes = await commitLatencies(persistent, N, 'disk');
    await persistent.close();
    const reopen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const c = await DatanetChain.open({}, dir);
      reopen.push(performance.now() - t0);
      await c.close();
    }
    const freshOpen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const c = await DatanetChain.open({ ephemeral: true }, dir);
      freshOpen.push(performance.now() - t0);
      await c.close();
    }
    const journaledTxs = N + 2 /* deploy */ + 3 /* register, committer, distributor */ + 1;
    return {
      gas: {
        commitFourRootsAndUri: Number(commitGas),
        claimFirstInWord: Number(claimGas[0]),
        claimLaterInWord: Number(median(claimGas.slice(1).map(Number))),
        proofLength: tree.getProof(0).length,
        treeLeaves: 1024,
      },
      commitLatencyMs: {
        inMemoryMedian: median(memTimes),
        journaledMedian: median(journalTimes),
        journalOverheadRatio: median(journalTimes) / median(memTimes),
      },
      openMs: {
        freshInMemoryMedian: median(freshOpen),
        reopenWithJournalMedian: median(reopen),
        journaledTxs,
        replayMsPerTx: (median(reopen) - median(freshOpen)) / journaledTxs,
      },
      devAccounts: devAccountKeys().length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
