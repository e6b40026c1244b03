// A contributor's rewards through a real `datanet serve`: the statements of a settled epoch with
// their Merkle proofs (which verify against the epoch's root as OpenZeppelin's StandardMerkleTree
// verifies them, and on a chain, where the API's claim calldata pays the contributor); the commits.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Interface, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatanetClient } from '@datanet/client';
import { DatanetChain, datanetIdOf, loadBuild } from '@datanet/connector-evm';
import { epochOfDate, planSettlement, recordSettlement, REWARD_LEAF_ENCODING, standingWeightSchema } from '@datanet/settlement';
import { openDatabase } from '../../pipelines/src/store/open-database.js';
import { startServe, type ServeProcess } from './serve-process.js';

const alice = new Wallet(`0x${'a1'.repeat(32)}`);
const bob = new Wallet(`0x${'b2'.repeat(32)}`);
let root: string;
let server: ServeProcess;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'datanet-serve-rewards-'));
  mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
  writeFileSync(
    join(root, 'configs', 'datanets', 'omega.yaml'),
    'apiVersion: datanet/v1\nkind: Datanet\nid: omega\ndomain: testing\nformats: [txt]\nlicences: [CC-BY-4.0]\n',
  );
  // An epoch settled by the settlement package's own planner and store, before the server holds the store.
  const db = await openDatabase({ stateDir: join(root, 'state') });
  try {
    const plan = planSettlement({
      datanet: 'omega',
      epoch: epochOfDate('2026-11-29', 'UTC'),
      fees: 1_000_000n,
      split: { platform: 1000, modelOwner: 1000, stakers: 0, contributors: 8000 },
      standingWeight: standingWeightSchema.parse(undefined),
      contributors: [
        { account: alice.address.toLowerCase(), attribution: 3, standing: 1 },
        { account: bob.address.toLowerCase(), attribution: 1, standing: 1 },
      ],
    });
    await recordSettlement(db.db, plan, { merkleRoot: null });
  } finally {
    await db.close();
  }
  server = await startServe({ stateDir: join(root, 'state'), cwd: root, args: ['--no-scheduler'] });
}, 300_000);

afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('rewards over the API', () => {
  it("serves each contributor's statement with a proof that verifies and the claim calldata", async () => {
    const api = createDatanetClient({ baseUrl: server.url });
    const claim = new Interface(loadBuild('RewardDistributor').abi as never);
    let total = 0n;
    for (const who of [alice, bob]) {
      const r = await api.GET('/v1/contributors/{address}/rewards', {
        params: { path: { address: who.address }, query: { datanet: 'omega' } },
      });
      expect(r.response.status).toBe(200);
      const [s] = r.data!.statements;
      expect(r.data!.statements).toHaveLength(1);
      expect(s).toMatchObject({ datanet: 'omega', commit: null, claim: { to: null } });
      const leaf = [s.epochNumber, String(s.index), who.address, s.amount];
      expect(StandardMerkleTree.verify(s.root, [...REWARD_LEAF_ENCODING], leaf, s.proof)).toBe(true);
      const call = claim.decodeFunctionData('claim', s.claim.data);
      expect([call[0].toString(), call[1].toString(), call[2], call[3].toString(), [...call[4]]]).toEqual([...leaf, s.proof]);
      total += BigInt(s.amount);
    }
    // 80% of the fees go to contributors, 3:1 by attribution at equal standing.
    expect(total).toBe(800_000n);

    // On a chain: the epoch's root funded on the Datanet's distributor, Alice's claim sent with the
    // calldata exactly as the API gave it; the contract verifies the proof and pays her.
    const chain = await DatanetChain.open({ ephemeral: true }, join(root, 'chain'));
    try {
      const { distributor } = await chain.ensureDatanet(datanetIdOf('omega'));
      const mine = (await api.GET('/v1/contributors/{address}/rewards', { params: { path: { address: alice.address } } })).data!
        .statements[0];
      await chain.fundEpoch(distributor, BigInt(mine.epochNumber), mine.root, total);
      await chain.conn.send('claim with the API calldata', (signer) => signer.sendTransaction({ to: distributor, data: mine.claim.data }));
      expect(await chain.tokenBalance(alice.address)).toBe(BigInt(mine.amount));
      expect(await chain.isClaimed(distributor, BigInt(mine.epochNumber), BigInt(mine.index))).toBe(true);
    } finally {
      await chain.close();
    }
    const none = await api.GET('/v1/contributors/{address}/rewards', { params: { path: { address: `0x${'0'.repeat(40)}` } } });
    expect(none.data!.statements).toEqual([]);
    expect((await api.GET('/v1/datanets/{id}/commits', { params: { path: { id: 'omega' } } })).data).toEqual({ commits: [] });
  });
});
