import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Wallet } from 'ethers';
import { datanetIdOf, type DatanetChain } from '@datanet/connector-evm';
import { parseRewards } from '../commit/epoch-inputs.js';
import { findChainCommit } from '../store/chain-commits.js';
import { EpochNotFinalError, epochFinality } from './epoch-finality.js';

export interface ClaimRequest {
  epoch: number;
  /** Needed when several Datanets committed the same epoch; default: the newest commit of it. */
  datanet?: string;
  /** The settlement's rewards JSON; default: the one recorded when the epoch was committed. */
  rewardsPath?: string;
}

export interface ClaimResult {
  status: 'claimed' | 'already-claimed';
  datanet: string;
  epoch: number;
  account: string;
  index: string;
  amount: string;
  txHash: string | null;
  /** The account's token balance after the claim. */
  balance: string;
  token: string;
  distributor: string;
}

/** Claims the reward of `wallet`'s account for an epoch; a second call reports it already claimed. */
export async function claimReward(
  db: Kysely<any> | undefined,
  chain: DatanetChain,
  wallet: Wallet,
  req: ClaimRequest,
): Promise<ClaimResult> {
  const finality = db ? await epochFinality(db, req.epoch, req.datanet) : undefined;
  if (finality && finality.status !== 'final')
    throw new EpochNotFinalError(
      `epoch ${finality.epoch} of ${finality.datanet} is proposed (version ${finality.version}), not final: its rewards become final, committed and claimable at ${new Date(finality.finalAt).toISOString()} unless a dispute against a contribution it pays is upheld first; claim after that`,
    );
  const row = db ? await findChainCommit(db, { datanet: req.datanet, epoch: req.epoch }) : undefined;
  const datanet = req.datanet ?? row?.datanet;
  if (!datanet) throw new Error(`no commit of epoch ${req.epoch} recorded in this run store; pass --datanet and --rewards`);
  const rewardsPath = req.rewardsPath ?? row?.rewardsPath;
  if (!rewardsPath) throw new Error(`no rewards file recorded for Datanet ${datanet} epoch ${req.epoch}; pass --rewards FILE`);
  const doc = JSON.parse(
    await readFile(rewardsPath, 'utf8').catch(() => {
      throw new Error(`cannot read the rewards file ${rewardsPath}`);
    }),
  );
  const rewards = parseRewards(doc, rewardsPath, BigInt(req.epoch));
  const entry = rewards.claims.find((c) => c.account === wallet.address);
  if (!entry) throw new Error(`account ${wallet.address} has no reward in epoch ${req.epoch} of Datanet ${datanet}`);

  const distributor = await chain.distributorOf(datanetIdOf(datanet));
  if (!distributor) throw new Error(`Datanet ${datanet} has no reward distributor on chain ${chain.conn.chainId}`);
  const funded = await chain.epochReward(distributor, req.epoch);
  if (!funded) throw new Error(`epoch ${req.epoch} of Datanet ${datanet} is not funded on-chain yet`);
  if (funded.root.toLowerCase() !== rewards.root) {
    throw new Error(`the rewards file's root ${rewards.root} is not the funded root ${funded.root} of epoch ${req.epoch}`);
  }
  const base = {
    datanet,
    epoch: req.epoch,
    account: wallet.address,
    index: entry.index.toString(),
    amount: entry.amount.toString(),
    token: chain.deployment.token,
    distributor,
  };
  if (await chain.isClaimed(distributor, BigInt(req.epoch), entry.index)) {
    return { ...base, status: 'already-claimed', txHash: null, balance: (await chain.tokenBalance(wallet.address)).toString() };
  }
  // On the embedded chain a contributor's fresh key has no gas money; a dev account pays it.
  if (chain.conn.mode === 'embedded') await chain.faucet(wallet.address);
  const mine = chain.as(chain.conn.withWallet(wallet));
  const receipt = await mine.claim(distributor, { epoch: BigInt(req.epoch), ...entry });
  return { ...base, status: 'claimed', txHash: receipt.hash, balance: (await chain.tokenBalance(wallet.address)).toString() };
}
