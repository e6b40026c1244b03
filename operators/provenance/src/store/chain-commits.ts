import type { Kysely } from 'kysely';

/** One committed epoch as the run store remembers it (the chain is the authority; this is the index). */
export interface ChainCommitRow {
  chainId: string;
  registry: string;
  datanet: string;
  datanetId: string;
  epoch: number;
  datasetRoot: string;
  contributionsRoot: string;
  modelHash: string;
  settlementRoot: string;
  metadataURI: string;
  txHash: string | null;
  blockNumber: number | null;
  distributor: string | null;
  rewardTotal: string | null;
  fundTxHash: string | null;
  manifestPath: string | null;
  rewardsPath: string | null;
  runId: string | null;
  stepId: string | null;
  createdAt: number;
}

// int8 is a number on PGlite and a string on pg.
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function fromDb(r: any): ChainCommitRow {
  return {
    chainId: r.chain_id,
    registry: r.registry,
    datanet: r.datanet,
    datanetId: r.datanet_id,
    epoch: Number(r.epoch),
    datasetRoot: r.dataset_root,
    contributionsRoot: r.contributions_root,
    modelHash: r.model_hash,
    settlementRoot: r.settlement_root,
    metadataURI: r.metadata_uri,
    txHash: r.tx_hash,
    blockNumber: num(r.block_number),
    distributor: r.distributor,
    rewardTotal: r.reward_total,
    fundTxHash: r.fund_tx_hash,
    manifestPath: r.manifest_path,
    rewardsPath: r.rewards_path,
    runId: r.run_id,
    stepId: r.step_id,
    createdAt: Number(r.created_at),
  };
}

/**
 * Records a commit; a later call for the same (chain, registry, Datanet, epoch) fills in what the
 * earlier one lacked (a re-run after a crash between commit and funding) and keeps what it had.
 */
export async function recordChainCommit(db: Kysely<any>, row: ChainCommitRow): Promise<void> {
  const values = {
    chain_id: row.chainId,
    registry: row.registry,
    datanet: row.datanet,
    datanet_id: row.datanetId,
    epoch: row.epoch,
    dataset_root: row.datasetRoot,
    contributions_root: row.contributionsRoot,
    model_hash: row.modelHash,
    settlement_root: row.settlementRoot,
    metadata_uri: row.metadataURI,
    tx_hash: row.txHash,
    block_number: row.blockNumber,
    distributor: row.distributor,
    reward_total: row.rewardTotal,
    fund_tx_hash: row.fundTxHash,
    manifest_path: row.manifestPath,
    rewards_path: row.rewardsPath,
    run_id: row.runId,
    step_id: row.stepId,
    created_at: row.createdAt,
  };
  const keep = (col: string) => (eb: any) => eb.fn.coalesce(`chain_commits.${col}`, eb.ref(`excluded.${col}`));
  await db
    .insertInto('chain_commits')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['chain_id', 'registry', 'datanet_id', 'epoch']).doUpdateSet((eb) => ({
        tx_hash: keep('tx_hash')(eb),
        block_number: keep('block_number')(eb),
        distributor: keep('distributor')(eb),
        reward_total: keep('reward_total')(eb),
        fund_tx_hash: keep('fund_tx_hash')(eb),
        manifest_path: eb.ref('excluded.manifest_path'),
        rewards_path: eb.fn.coalesce(eb.ref('excluded.rewards_path'), 'chain_commits.rewards_path'),
      })),
    )
    .execute();
}

/** The newest recorded commit of a Datanet's epoch (any chain), or undefined. */
export async function findChainCommit(
  db: Kysely<any>,
  q: { datanet?: string; epoch: number; chainId?: string },
): Promise<ChainCommitRow | undefined> {
  let query = db.selectFrom('chain_commits').selectAll().where('epoch', '=', q.epoch);
  if (q.datanet) query = query.where((eb) => eb.or([eb('datanet', '=', q.datanet!), eb('datanet_id', '=', q.datanet!.toLowerCase())]));
  if (q.chainId) query = query.where('chain_id', '=', q.chainId);
  const row = await query.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  return row ? fromDb(row) : undefined;
}

export async function listChainCommits(db: Kysely<any>, datanet?: string): Promise<ChainCommitRow[]> {
  let query = db.selectFrom('chain_commits').selectAll();
  if (datanet) query = query.where('datanet', '=', datanet);
  return (await query.orderBy('datanet').orderBy('epoch').execute()).map(fromDb);
}
