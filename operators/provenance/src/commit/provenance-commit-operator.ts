import { z } from 'zod';
import { epochNumber } from './epoch-number.js';
import { defineOperator, type OperatorContext } from '@datanet/pipelines';
import { ChainSettingsSchema } from '@datanet/connector-evm';
import type { DatanetChain } from '@datanet/connector-evm';
import { migrateProvenanceStore } from '../store/migrations.js';
import { recordChainCommit } from '../store/chain-commits.js';
import { commitEpoch, type CommitEpochResult } from './commit-epoch.js';
import { NO_ROOT, hashModelFolder, parseRewards, rootOf, toBytes32 } from './epoch-inputs.js';

export const provenanceCommitConfig = z.object({
  datanet: z.string().min(1).describe('Datanet name (hashed to its on-chain bytes32 id) or a 0x bytes32 id'),
  epoch: z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const n = epochNumber(v);
      if (n === undefined)
        ctx.addIssue({ code: 'custom', message: 'an epoch number, or a settlement day YYYY-MM-DD[@ZONE] (committed as YYYYMMDD)' });
      return n ?? 0;
    })
    .describe('epoch number, or a settlement day YYYY-MM-DD[@ZONE] (as YYYYMMDD); one commit per (Datanet, epoch)'),
  metadataURI: z.string().default('').describe('URI of the epoch metadata (e.g. the Croissant file)'),
  chain: ChainSettingsSchema.default({ mode: 'embedded', confirmations: 1, timeoutMs: 120_000, ephemeral: false }).describe(
    'embedded (default: in-process EVM under the state dir) or rpc: { rpcUrl, chainId, keystore | privateKeyEnv, registry?, token? }',
  ),
  resource: z.string().optional().describe('name of a chain resource in the profile; overrides `chain`'),
  contributionsRoot: z.string().optional().describe('0x root of accepted contributions, when not wired as an input'),
});

export type ProvenanceCommitConfig = z.output<typeof provenanceCommitConfig>;

async function openChain(ctx: OperatorContext<ProvenanceCommitConfig>): Promise<{ chain: DatanetChain; owned: boolean }> {
  const { DatanetChain } = await import('@datanet/connector-evm');
  const resource = ctx.config.resource ? ctx.resources[ctx.config.resource] : undefined;
  if (ctx.config.resource && resource === undefined) {
    throw new Error(
      `provenance.commit: resource "${ctx.config.resource}" is not in the profile's resources (${Object.keys(ctx.resources).join(', ') || 'none'})`,
    );
  }
  if (resource instanceof DatanetChain) return { chain: resource, owned: false };
  return { chain: await DatanetChain.open(resource ?? ctx.config.chain, ctx.run.stateDir), owned: true };
}

function renderHtml(r: CommitEpochResult): string {
  const rows = Object.entries({
    ...r.roots,
    status: r.status,
    txHash: r.txHash,
    block: r.blockNumber,
    chain: r.chainId,
    registry: r.registry,
    distributor: r.distributor,
    funding: r.funding ? `${r.funding.status} ${r.funding.total}` : 'none',
  })
    .map(([k, v]) => `<tr><th>${k}</th><td><code>${String(v ?? '')}</code></td></tr>`)
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>${r.datanet} epoch ${r.epoch}</title><h1>${r.datanet} epoch ${r.epoch}</h1><table>${rows}</table>`;
}

export const provenanceCommit = defineOperator({
  type: 'provenance.commit',
  version: '1',
  description:
    "Commits an epoch's roots (dataset, contributions, model, settlement) to the DatanetRegistry and funds its rewards in the RewardDistributor; idempotent per (Datanet, epoch).",
  config: provenanceCommitConfig,
  // A chain transaction is an effect outside the artifact store: never served from cache.
  cacheable: false,
  inputs: {
    manifest: { kind: 'file', description: 'dataset manifest JSON (dataset.build): merkle.root is the dataset root' },
    settlement: {
      kind: 'file',
      optional: true,
      description: 'rewards JSON: { epoch, root, total?, claims: [{ index, account, amount, proof }] }',
    },
    adapter: { kind: 'model', optional: true, description: 'model adapter folder; its content hash is the model hash' },
    contributionsRoot: { kind: 'file', optional: true, description: 'JSON with the accepted-contributions root ("root" or "merkle.root")' },
  },
  outputs: {
    commit: { kind: 'report', description: 'what was committed and funded: roots, tx hashes, block, status' },
  },
  async run(ctx) {
    const c = ctx.config;
    const manifest = ctx.input('manifest');
    const datasetRoot = rootOf(await manifest.readJson(), `manifest ${manifest.path}`);
    const settlement = ctx.inputs.settlement;
    const rewardsDoc = settlement
      ? await settlement.readJson<{ root?: unknown; claims?: unknown[]; tree?: unknown; status?: unknown; auditRoot?: unknown }>()
      : undefined;
    // Only a final epoch is committed and funded: a proposal can still be re-settled.
    if (rewardsDoc?.status !== undefined && rewardsDoc.status !== 'final')
      throw new Error(
        `settlement ${settlement!.path} is ${String(rewardsDoc.status)}, not final: an epoch is committed and funded only once its challenge window has passed`,
      );
    const auditRoot = typeof rewardsDoc?.auditRoot === 'string' ? toBytes32(rewardsDoc.auditRoot, 'settlement auditRoot') : NO_ROOT;
    // An epoch in which nobody earned anything (no attributed inference) is still committed, with
    // no settlement root and nothing to fund.
    const nothingPaid = rewardsDoc !== undefined && rewardsDoc.root === null && !rewardsDoc.tree && (rewardsDoc.claims ?? []).length === 0;
    if (nothingPaid) ctx.logger.warn('the settlement paid nobody this epoch: committing without a settlement root');
    const rewards = settlement && !nothingPaid ? parseRewards(rewardsDoc, `settlement ${settlement.path}`, BigInt(c.epoch)) : undefined;
    const contributions = ctx.inputs.contributionsRoot;
    const contributionsRoot = contributions
      ? rootOf(await contributions.readJson(), `contributionsRoot ${contributions.path}`)
      : c.contributionsRoot
        ? toBytes32(c.contributionsRoot, 'config contributionsRoot')
        : NO_ROOT;
    const adapter = ctx.inputs.adapter;
    const modelHash = adapter ? await hashModelFolder(adapter.path) : NO_ROOT;
    const roots = { datasetRoot, contributionsRoot, modelHash, settlementRoot: rewards?.root ?? NO_ROOT, auditRoot };

    await migrateProvenanceStore(ctx.db);
    const { chain, owned } = await openChain(ctx);
    try {
      ctx.logger.info('committing epoch', { datanet: c.datanet, epoch: c.epoch, chain: chain.conn.where, ...roots });
      const result = await commitEpoch(chain, { datanet: c.datanet, epoch: c.epoch, roots, metadataURI: c.metadataURI, rewards });
      await recordChainCommit(ctx.db, {
        chainId: result.chainId,
        registry: result.registry,
        datanet: c.datanet,
        datanetId: result.datanetId,
        epoch: c.epoch,
        ...result.roots,
        metadataURI: c.metadataURI,
        txHash: result.txHash,
        blockNumber: result.blockNumber,
        distributor: result.distributor,
        rewardTotal: result.funding?.total ?? null,
        fundTxHash: result.funding?.txHash ?? null,
        manifestPath: manifest.path,
        rewardsPath: settlement?.path ?? null,
        runId: ctx.run.runId,
        stepId: ctx.run.stepId,
        createdAt: Date.now(),
      });
      ctx.logger.info(result.status === 'committed' ? 'epoch committed' : 'epoch already committed with the same roots; nothing sent', {
        txHash: result.txHash,
        block: result.blockNumber,
        transactionsSent: result.transactionsSent,
      });
      await ctx
        .output('commit')
        .writeReport({ ...result, manifestPath: manifest.path, rewardsPath: settlement?.path ?? null }, renderHtml(result), {
          txHash: result.txHash,
          status: result.status,
          summary: [
            `epoch ${c.epoch} ${result.status === 'committed' ? 'committed' : 'already committed with the same roots (no transaction sent)'}: tx ${result.txHash} in block ${result.blockNumber}`,
            `dataset root ${roots.datasetRoot}; settlement root ${roots.settlementRoot}`,
            ...(result.funding
              ? [`rewards funded: ${result.funding.total} base units${result.funding.txHash ? ` (tx ${result.funding.txHash})` : ''}`]
              : []),
          ],
        });
    } finally {
      if (owned) await chain.close();
    }
  },
});
