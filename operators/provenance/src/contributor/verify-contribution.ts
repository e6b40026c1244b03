import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { datanetIdOf, type DatanetChain } from '@datanet/connector-evm';
import { findChainCommit } from '../store/chain-commits.js';

export interface VerifyRequest {
  datanet: string;
  epoch: number;
  /** A contributed file (its sha256 is the contribution id) or a contribution id. */
  target: string;
  /** The dataset manifest; default: the one recorded when the epoch was committed. */
  manifestPath?: string;
}

export interface VerifyResult {
  verified: boolean;
  /** Why `verified` is false; absent when true. */
  reason?: string;
  datanet: string;
  epoch: number;
  contributionId: string;
  contributor: string;
  leafTypes: string[];
  leaf: string;
  proof: string[];
  /** The dataset root read from the registry contract. */
  onChainRoot: string;
  chainId: string;
  registry: string;
  manifestPath: string;
}

async function contributionIdOf(target: string): Promise<string> {
  if (existsSync(target) && statSync(target).isFile()) {
    return `0x${createHash('sha256')
      .update(await readFile(target))
      .digest('hex')}`;
  }
  return target;
}

/**
 * Proves that a contribution is in the dataset root committed on-chain for (Datanet, epoch): the
 * leaf is recomputed from its values and the proof is checked against the root read from the
 * registry, not against the manifest's own claim.
 */
export async function verifyContribution(db: Kysely<any> | undefined, chain: DatanetChain, req: VerifyRequest): Promise<VerifyResult> {
  let manifestPath = req.manifestPath;
  if (!manifestPath) {
    const row = db ? await findChainCommit(db, { datanet: req.datanet, epoch: req.epoch }) : undefined;
    if (!row?.manifestPath) {
      throw new Error(`no manifest recorded for Datanet ${req.datanet} epoch ${req.epoch} in this run store; pass --manifest FILE`);
    }
    manifestPath = row.manifestPath;
  }
  const manifest = JSON.parse(
    await readFile(manifestPath, 'utf8').catch(() => {
      throw new Error(`cannot read the dataset manifest ${manifestPath}`);
    }),
  );
  const { proveContribution } = await import('@datanet/dataset');
  const { StandardMerkleTree } = await import('@openzeppelin/merkle-tree');
  const id = await contributionIdOf(req.target);
  let proof;
  try {
    proof = proveContribution(manifest, id);
  } catch (err) {
    const asFile = id !== req.target ? ` (the sha256 of file ${req.target})` : '';
    throw new Error(`${(err as Error).message}${asFile}`);
  }
  const commit = await chain.readCommit(datanetIdOf(req.datanet), req.epoch);
  if (!commit) {
    throw new Error(
      `Datanet ${req.datanet} has no commit for epoch ${req.epoch} on chain ${chain.conn.chainId} (registry ${chain.deployment.registry})`,
    );
  }
  const onChainRoot = commit.datasetRoot.toLowerCase();
  const leaf = StandardMerkleTree.of([proof.leafValues], proof.leafTypes).leafHash(proof.leafValues);
  let reason: string | undefined;
  if (leaf !== proof.leaf) reason = `the recomputed leaf ${leaf} differs from the manifest's ${proof.leaf}`;
  else if (!StandardMerkleTree.verify(onChainRoot, proof.leafTypes, proof.leafValues, proof.proof)) {
    reason =
      proof.root.toLowerCase() !== onChainRoot
        ? `the manifest's root ${proof.root} is not the committed dataset root ${onChainRoot}`
        : 'the proof does not lead to the committed root';
  }
  return {
    verified: reason === undefined,
    ...(reason ? { reason } : {}),
    datanet: req.datanet,
    epoch: req.epoch,
    contributionId: proof.contributionId,
    contributor: proof.contributor,
    leafTypes: proof.leafTypes,
    leaf,
    proof: proof.proof,
    onChainRoot,
    chainId: chain.conn.chainId.toString(),
    registry: chain.deployment.registry,
    manifestPath,
  };
}
