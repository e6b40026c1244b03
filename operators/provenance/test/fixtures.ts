import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Wallet } from 'ethers';
import { merkleRootOf, MANIFEST_FORMAT } from '@datanet/dataset';

export interface EpochFixture {
  dir: string;
  manifestPath: string;
  rewardsPath: string;
  adapterDir: string;
  contributorKeys: string[];
  files: string[];
  amounts: bigint[];
}

/**
 * A small epoch as the upstream steps produce it: contributed files, a dataset manifest in
 * dataset.build's format, a PEFT-like adapter folder, and a rewards JSON whose tree uses the
 * distributor's leaf (epoch, index, account, amount).
 */
export function makeEpochFixture(dir: string, epoch: bigint, tag = 'a'): EpochFixture {
  mkdirSync(join(dir, 'adapter'), { recursive: true });
  const wallets = [0, 1, 2].map((i) => new Wallet(`0x${createHash('sha256').update(`contributor ${tag} ${i}`).digest('hex')}`));
  const files: string[] = [];
  const contributions: [string, string][] = [];
  wallets.forEach((w, i) => {
    for (let j = 0; j < 2; j++) {
      const path = join(dir, `contribution-${i}-${j}.txt`);
      const body = `Q: question ${tag} ${i}.${j}?\nA: answer ${i}.${j}\n`;
      writeFileSync(path, body);
      files.push(path);
      contributions.push([`0x${createHash('sha256').update(body).digest('hex')}`, w.address]);
    }
  });
  contributions.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const manifest = {
    format: MANIFEST_FORMAT,
    datanet: 'test-datanet',
    kind: 'qa',
    merkle: { format: 'openzeppelin-standard-v1', leafEncoding: ['bytes32', 'address'], root: merkleRootOf(contributions, 'address') },
    split: { evalFraction: 0.1, salt: 's', method: 'm' },
    counts: { contributions: contributions.length, rows: contributions.length, train: contributions.length, eval: 0 },
    files: [],
    contributions,
  };
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const amounts = [600n, 300n, 100n];
  const leaves = wallets.map((w, i) => [epoch, BigInt(i), w.address, amounts[i]] as [bigint, bigint, string, bigint]);
  const tree = StandardMerkleTree.of(leaves, ['uint256', 'uint256', 'address', 'uint256']);
  const rewards = {
    epoch: epoch.toString(),
    root: tree.root,
    total: amounts.reduce((a, b) => a + b, 0n).toString(),
    claims: leaves.map((l, i) => ({ index: Number(l[1]), account: l[2], amount: l[3].toString(), proof: tree.getProof(i) })),
  };
  const rewardsPath = join(dir, 'rewards.json');
  writeFileSync(rewardsPath, JSON.stringify(rewards));
  writeFileSync(join(dir, 'adapter', 'adapter_config.json'), JSON.stringify({ r: 8, tag }));
  writeFileSync(join(dir, 'adapter', 'adapter_model.safetensors'), Buffer.from(`weights ${tag}`));
  return {
    dir,
    manifestPath,
    rewardsPath,
    adapterDir: join(dir, 'adapter'),
    contributorKeys: wallets.map((w) => w.privateKey),
    files,
    amounts,
  };
}
