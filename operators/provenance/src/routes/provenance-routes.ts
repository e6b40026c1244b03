import { getAddress, Interface } from 'ethers';
import { z } from 'zod';
import { loadBuild } from '@datanet/connector-evm';
import { DATANET_ID, definitionLoader, refuseUnknownDatanets } from '@datanet/datanet';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { listSettlements, rewardStatements } from '@datanet/settlement';
import { listChainCommits, findChainCommit, type ChainCommitRow } from '../store/chain-commits.js';
import { migrateProvenanceStore } from '../store/migrations.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const Datanet = z.string().regex(DATANET_ID, 'a Datanet id');
const Commit = z.object({
  datanet: z.string(),
  epoch: z.number(),
  chainId: z.string(),
  registry: z.string(),
  datasetRoot: z.string(),
  contributionsRoot: z.string(),
  modelHash: z.string(),
  settlementRoot: z.string(),
  txHash: z.string().nullable(),
  blockNumber: z.number().nullable(),
  distributor: z.string().nullable(),
  rewardTotal: z.string().nullable(),
  fundTxHash: z.string().nullable(),
  createdAt: z.string(),
});

const commitView = (c: ChainCommitRow): z.infer<typeof Commit> => ({
  datanet: c.datanet,
  epoch: c.epoch,
  chainId: c.chainId,
  registry: c.registry,
  datasetRoot: c.datasetRoot,
  contributionsRoot: c.contributionsRoot,
  modelHash: c.modelHash,
  settlementRoot: c.settlementRoot,
  txHash: c.txHash,
  blockNumber: c.blockNumber,
  distributor: c.distributor,
  rewardTotal: c.rewardTotal,
  fundTxHash: c.fundTxHash,
  createdAt: new Date(c.createdAt).toISOString(),
});

/**
 * What reached the chain, readable by anyone: a Datanet's epoch commits (roots, transactions,
 * the funded distributor), and a contributor's reward statements per epoch with the Merkle proof
 * and the calldata of `RewardDistributor.claim`, ready for a wallet to send.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await migrateProvenanceStore(ctx.db);
  refuseUnknownDatanets(app, definitionLoader(ctx.config.configRoot, app.log));
  const distributor = new Interface(loadBuild('RewardDistributor').abi as never);

  app.get(
    '/v1/datanets/:id/commits',
    {
      config: { access: 'public' },
      schema: {
        tags: ['chain'],
        summary: "A Datanet's on-chain commits per epoch: dataset, contributions, model and settlement roots, transactions",
        params: z.object({ id: Datanet }),
        response: { 200: z.object({ commits: z.array(Commit) }), 404: Refusal },
      },
    },
    async (req) => ({ commits: (await listChainCommits(ctx.db, req.params.id)).map(commitView) }),
  );

  app.get(
    '/v1/contributors/:address/rewards',
    {
      config: { access: 'public' },
      schema: {
        tags: ['contributors'],
        summary: "A contributor's reward statements per epoch: amount, Merkle proof, the epoch's commit and the claim calldata",
        params: z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits') }),
        querystring: z.object({ datanet: Datanet.optional() }),
        response: {
          200: z.object({
            address: z.string(),
            statements: z.array(
              z.object({
                datanet: z.string(),
                epoch: z.string(),
                epochNumber: z.string(),
                index: z.number(),
                amount: z.string(),
                root: z.string(),
                proof: z.array(z.string()),
                commit: Commit.nullable(),
                claim: z.object({ to: z.string().nullable(), data: z.string() }),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const address = getAddress(req.params.address.toLowerCase());
      const epochs = new Map<string, string>();
      for (const s of await listSettlements(ctx.db, req.query.datanet)) epochs.set(`${s.datanet} ${s.epoch}`, s.datanet);
      const statements = [];
      for (const [key, datanet] of epochs) {
        const epoch = key.slice(datanet.length + 1);
        for (const st of await rewardStatements(ctx.db, { epoch, datanet, contributor: address })) {
          const commit = await findChainCommit(ctx.db, { datanet, epoch: Number(st.epochNumber) });
          statements.push({
            datanet,
            epoch: st.epoch,
            epochNumber: st.epochNumber,
            index: st.index,
            amount: st.amount,
            root: st.root,
            proof: st.proof,
            commit: commit ? commitView(commit) : null,
            // Sent by the contributor's wallet to the Datanet's distributor once the epoch is funded.
            claim: {
              to: commit?.distributor ?? null,
              data: distributor.encodeFunctionData('claim', [
                BigInt(st.epochNumber),
                BigInt(st.index),
                st.account,
                BigInt(st.amount),
                st.proof,
              ]),
            },
          });
        }
      }
      return { address, statements };
    },
  );
};

export default register;
