import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Wallet } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRewardTree, rewardsFile } from '@datanet/settlement';
import { hashModelFolder, parseRewards, rootOf, toBytes32 } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'datanet-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const accounts = [1, 2, 3].map((i) => new Wallet(`0x${String(i).padStart(64, '0')}`).address);
const leaves = accounts.map((a, i) => [7n, BigInt(i), a, BigInt(10 * (i + 1))] as [bigint, bigint, string, bigint]);
const tree = StandardMerkleTree.of(leaves, ['uint256', 'uint256', 'address', 'uint256']);
const claims = leaves.map((l, i) => ({ index: i, account: l[2], amount: l[3].toString(), proof: tree.getProof(i) }));

describe('epoch inputs', () => {
  it('reads a rewards file with claims and checks every proof against the root', () => {
    const r = parseRewards({ epoch: 7, root: tree.root, claims }, 'rewards.json', 7n);
    expect(r.total).toBe(60n);
    expect(r.claims.map((c) => c.amount)).toEqual([10n, 20n, 30n]);
  });

  it('reads an OpenZeppelin tree dump as well', () => {
    const dumped = JSON.parse(JSON.stringify(tree.dump(), (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
    const r = parseRewards({ epoch: '7', tree: dumped }, 'rewards.json', 7n);
    expect(r.root).toBe(tree.root);
    expect(r.total).toBe(60n);
  });

  it('rejects a tampered amount, another epoch and a wrong total, naming the entry', () => {
    const bad = claims.map((c, i) => (i === 1 ? { ...c, amount: '21' } : c));
    expect(() => parseRewards({ root: tree.root, claims: bad }, 'rewards.json', 7n)).toThrow(
      /rewards.json: claims\[1\]: its proof does not lead/,
    );
    expect(() => parseRewards({ epoch: 8, root: tree.root, claims }, 'rewards.json', 7n)).toThrow(/epoch 8/);
    expect(() => parseRewards({ root: tree.root, total: '61', claims }, 'rewards.json', 7n)).toThrow(/total 61 differs/);
    expect(() => parseRewards({ root: tree.root, claims: [{ ...claims[0], account: 'bob' }] }, 'r.json', 7n)).toThrow(
      /claims\[0\].account "bob"/,
    );
  });

  it('derives the proofs from the tree dump when settlement leaves them out (more claims than inlineProofsUpTo)', async () => {
    const payouts = accounts.map((account, index) => ({
      index,
      account,
      amount: BigInt(100 * (index + 1)),
      attribution: 1,
      standing: 0.5,
    }));
    const rewardTree = await buildRewardTree(7n, payouts);
    const settlement = { datanet: 'd', epoch: '1970-01-08@UTC', epochNumber: 7n, paid: 600n } as any;
    const file = (inline: number) =>
      JSON.parse(JSON.stringify({ ...rewardsFile({ settlement, payouts, tree: rewardTree, created: true }, inline), status: 'final' }));
    const inline = parseRewards(file(50_000), 'rewards.json', 7n);
    const big = file(2);
    expect(big.proofsInline).toBe(false);
    expect(big.claims[0].proof).toBeUndefined();
    const r = parseRewards(big, 'rewards.json', 7n);
    expect(r.root).toBe(rewardTree.root);
    expect(r.total).toBe(600n);
    expect(r.claims).toEqual(inline.claims);
    // A derived proof is still checked: a tampered amount or a forged tree node is refused.
    const tampered = file(2);
    tampered.claims[1].amount = '201';
    expect(() => parseRewards(tampered, 'rewards.json', 7n)).toThrow(/rewards.json: claims\[1\]: its proof does not lead to root/);
    const forged = file(2);
    forged.tree.tree[forged.tree.tree.length - 1] = `0x${'11'.repeat(32)}`;
    expect(() => parseRewards(forged, 'rewards.json', 7n)).toThrow(/its proof does not lead to root/);
    const unknown = file(2);
    unknown.claims[2].index = 9;
    expect(() => parseRewards(unknown, 'rewards.json', 7n)).toThrow(/claims\[2\]: index 9 is not in the file's tree dump/);
    const noDump = { ...file(2), tree: null };
    expect(() => parseRewards(noDump, 'rewards.json', 7n)).toThrow(/claims\[0\]: .*no proof and the file has no tree dump/);
  });

  it('finds roots in manifests and rejects values that are not 32 bytes', () => {
    const h = `0x${'ab'.repeat(32)}`;
    expect(rootOf({ merkle: { root: h } }, 'm')).toBe(h);
    expect(toBytes32(`sha256:${'CD'.repeat(32)}`, 'x')).toBe(`0x${'cd'.repeat(32)}`);
    expect(() => rootOf({}, 'manifest.json')).toThrow(/manifest.json: no Merkle root/);
    expect(() => toBytes32('0x1234', 'config contributionsRoot')).toThrow(/config contributionsRoot "0x1234"/);
  });

  it('hashes a model folder by content, not by where it lies or file order', async () => {
    for (const d of ['a', 'b']) {
      mkdirSync(join(dir, d, 'sub'), { recursive: true });
      writeFileSync(join(dir, d, 'adapter_config.json'), '{"r":8}');
      writeFileSync(join(dir, d, 'sub', 'w.bin'), 'weights');
    }
    expect(await hashModelFolder(join(dir, 'a'))).toBe(await hashModelFolder(join(dir, 'b')));
    writeFileSync(join(dir, 'b', 'sub', 'w.bin'), 'weights!');
    expect(await hashModelFolder(join(dir, 'a'))).not.toBe(await hashModelFolder(join(dir, 'b')));
  });
});
