import { ZeroHash } from 'ethers';
import { ChainError, DatanetChain, datanetIdOf, type EpochCommitView, type EpochRoots } from '@datanet/connector-evm';
import type { RewardsFile } from './epoch-inputs.js';

/** The epoch is on-chain with other roots than this run computed: never overwritten, never ignored. */
export class CommitConflictError extends ChainError {
  override name = 'CommitConflictError';
}

export interface CommitEpochRequest {
  /** Datanet name (hashed to the on-chain id) or a 0x bytes32 id. */
  datanet: string;
  epoch: number;
  roots: EpochRoots;
  metadataURI: string;
  /** The settlement to fund; its root must equal `roots.settlementRoot` when both are set. */
  rewards?: RewardsFile;
}

export interface CommitEpochResult {
  datanet: string;
  datanetId: string;
  epoch: number;
  chainId: string;
  registry: string;
  distributor: string;
  /** `committed`: this call sent the commit; `already-committed`: the same roots were on-chain. */
  status: 'committed' | 'already-committed';
  txHash: string | null;
  blockNumber: number | null;
  roots: EpochRoots;
  committedAt: number;
  funding?: { status: 'funded' | 'already-funded'; total: string; txHash: string | null };
  /** Transactions this call sent (0 on an idempotent re-run). */
  transactionsSent: number;
}

const FIELDS = ['datasetRoot', 'contributionsRoot', 'modelHash', 'settlementRoot', 'auditRoot'] as const;

function differences(onChain: EpochCommitView, wanted: EpochRoots): string[] {
  const v = (r: EpochRoots, f: (typeof FIELDS)[number]) => (r[f] ?? ZeroHash).toLowerCase();
  return FIELDS.filter((f) => v(onChain, f) !== v(wanted, f)).map(
    (f) => `${f}: on-chain ${onChain[f] ?? ZeroHash}, this run ${wanted[f] ?? ZeroHash}`,
  );
}

async function findCommitTx(
  chain: DatanetChain,
  datanetId: string,
  epoch: number,
): Promise<{ txHash: string; blockNumber: number } | undefined> {
  const logs = await chain.registry.queryFilter(chain.registry.filters.EpochCommitted(datanetId, BigInt(epoch)), 0, 'latest');
  const log = logs[0];
  return log ? { txHash: log.transactionHash, blockNumber: log.blockNumber } : undefined;
}

/**
 * Commits an epoch's roots and funds its rewards, idempotently: what is already on-chain with the
 * same values is left alone and reported; what is on-chain with other values is a conflict.
 */
export async function commitEpoch(chain: DatanetChain, req: CommitEpochRequest): Promise<CommitEpochResult> {
  const datanetId = datanetIdOf(req.datanet);
  const epoch = BigInt(req.epoch);
  if (req.rewards && req.roots.settlementRoot !== ZeroHash && req.rewards.root !== req.roots.settlementRoot.toLowerCase()) {
    throw new Error(`the rewards root ${req.rewards.root} differs from the settlement root ${req.roots.settlementRoot} being committed`);
  }
  let sent = 0;
  const existing = await chain.readCommit(datanetId, epoch);
  if (existing) {
    const diff = differences(existing, req.roots);
    if (diff.length) {
      throw new CommitConflictError(
        `epoch ${req.epoch} of Datanet ${req.datanet} is already committed on chain ${chain.conn.chainId} with other roots:\n  ${diff.join('\n  ')}\n` +
          'an epoch is committed once; commit these roots as a new epoch, or find why this run differs',
      );
    }
  }
  const ensured = await chain.ensureDatanet(datanetId);
  sent += ensured.receipts.length;

  let status: CommitEpochResult['status'];
  let tx: { txHash: string; blockNumber: number } | undefined;
  let view: EpochCommitView;
  if (existing) {
    status = 'already-committed';
    tx = await findCommitTx(chain, datanetId, req.epoch);
    view = existing;
  } else {
    const receipt = await chain.commitEpoch(datanetId, epoch, req.roots, req.metadataURI);
    sent++;
    status = 'committed';
    tx = { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    view = (await chain.readCommit(datanetId, epoch))!;
  }

  let funding: CommitEpochResult['funding'];
  if (req.rewards) {
    const onChain = await chain.epochReward(ensured.distributor, epoch);
    if (onChain) {
      if (onChain.root.toLowerCase() !== req.rewards.root || onChain.total !== req.rewards.total) {
        throw new CommitConflictError(
          `epoch ${req.epoch} rewards are already funded with root ${onChain.root} (total ${onChain.total}); this run has root ${req.rewards.root} (total ${req.rewards.total})`,
        );
      }
      funding = { status: 'already-funded', total: onChain.total.toString(), txHash: null };
    } else {
      const receipts = await chain.fundEpoch(ensured.distributor, epoch, req.rewards.root, req.rewards.total);
      sent += receipts.length;
      funding = { status: 'funded', total: req.rewards.total.toString(), txHash: receipts[receipts.length - 1].hash };
    }
  }

  return {
    datanet: req.datanet,
    datanetId,
    epoch: req.epoch,
    chainId: chain.conn.chainId.toString(),
    registry: chain.deployment.registry,
    distributor: ensured.distributor,
    status,
    txHash: tx?.txHash ?? null,
    blockNumber: tx?.blockNumber ?? null,
    roots: {
      datasetRoot: view.datasetRoot,
      contributionsRoot: view.contributionsRoot,
      modelHash: view.modelHash,
      settlementRoot: view.settlementRoot,
      auditRoot: view.auditRoot ?? ZeroHash,
    },
    committedAt: view.committedAt,
    funding,
    transactionsSent: sent,
  };
}
