import { Contract, ZeroAddress, ZeroHash, getAddress, id as keccakId, isHexString, parseEther, type TransactionReceipt } from 'ethers';
import { ChainConnection } from './chain/chain-connection.js';
import { ChainError } from './chain/chain-errors.js';
import { parseChainSettings } from './chain/chain-settings.js';
import { loadBuild } from './contracts/artifacts.js';
import { deployContract, resolveDeployment, type Deployment } from './deployment.js';

/** The roots of an epoch commit, as 0x-prefixed 32-byte hex (ZeroHash when absent). */
export interface EpochRoots {
  datasetRoot: string;
  contributionsRoot: string;
  modelHash: string;
  settlementRoot: string;
  /** Head of the Datanet's audit log at the epoch's finalisation (ZeroHash: none; older callers may leave it out). */
  auditRoot?: string;
}

export interface EpochCommitView extends EpochRoots {
  committer: string;
  committedAt: number;
  metadataURI: string;
}

export interface RewardClaim {
  epoch: bigint;
  index: bigint;
  account: string;
  amount: bigint;
  proof: string[];
}

/**
 * On-chain ids are bytes32: a 0x-prefixed 32-byte hex id is used as is, any other name is hashed
 * (keccak256 of its UTF-8 bytes) so that names of any length map to one id.
 */
export function datanetIdOf(name: string): string {
  return isHexString(name, 32) ? name.toLowerCase() : keccakId(name);
}

/** The Datanet contracts on one chain, seen through one signing account. */
export class DatanetChain {
  readonly registry: Contract;
  readonly token: Contract;

  constructor(
    readonly conn: ChainConnection,
    readonly deployment: Deployment,
  ) {
    this.registry = new Contract(deployment.registry, loadBuild('DatanetRegistry').abi as never, conn.signer);
    this.token = new Contract(deployment.token, loadBuild('DatanetTestToken').abi as never, conn.signer);
  }

  /** Opens the chain from settings (see ChainSettingsSchema) and resolves the deployment. */
  static async open(settings: unknown, stateDir: string): Promise<DatanetChain> {
    const conn = await ChainConnection.open(parseChainSettings(settings), stateDir);
    try {
      return new DatanetChain(conn, await resolveDeployment(conn, stateDir));
    } catch (err) {
      await conn.close();
      throw err;
    }
  }

  /** The same contracts seen by another connection (e.g. a contributor's key). */
  as(conn: ChainConnection): DatanetChain {
    return new DatanetChain(conn, this.deployment);
  }

  distributor(address: string): Contract {
    return new Contract(address, loadBuild('RewardDistributor').abi as never, this.conn.signer);
  }

  async readCommit(datanetId: string, epoch: bigint | number): Promise<EpochCommitView | undefined> {
    const c = await this.registry.getCommit(datanetId, BigInt(epoch));
    if (c.datasetRoot === ZeroHash) return undefined;
    // The URI is kept in the commit's event only (cheaper than storage): read it back from the log.
    const logs = await this.registry.queryFilter(this.registry.filters.EpochCommitted(datanetId, BigInt(epoch)), 0, 'latest');
    const uri = (logs[0] as { args?: { metadataURI?: string } } | undefined)?.args?.metadataURI ?? '';
    return {
      datasetRoot: c.datasetRoot,
      contributionsRoot: c.contributionsRoot,
      modelHash: c.modelHash,
      settlementRoot: c.settlementRoot,
      auditRoot: c.auditRoot,
      committer: c.committer,
      committedAt: Number(c.committedAt),
      metadataURI: uri,
    };
  }

  async distributorOf(datanetId: string): Promise<string | undefined> {
    const a: string = await this.registry.distributorOf(datanetId);
    return a === ZeroAddress ? undefined : a;
  }

  /**
   * Makes this account able to commit for the Datanet: registers it when nobody has, grants the
   * committer role when we are admin, and deploys its reward distributor when it has none.
   * Returns the receipts of what it had to send (none on later calls).
   */
  async ensureDatanet(datanetId: string): Promise<{ distributor: string; receipts: TransactionReceipt[] }> {
    const receipts: TransactionReceipt[] = [];
    let admin: string = await this.registry.adminOf(datanetId);
    if (admin === ZeroAddress) {
      receipts.push(await this.conn.send('registerDatanet', () => this.registry.registerDatanet(datanetId)));
      admin = this.conn.address;
    }
    const isAdmin = getAddress(admin) === getAddress(this.conn.address);
    if (!(await this.registry.isCommitter(datanetId, this.conn.address))) {
      if (!isAdmin) {
        throw new ChainError(
          `account ${this.conn.address} is not a committer of Datanet ${datanetId}; ask its admin ${admin} to call setCommitter`,
        );
      }
      receipts.push(await this.conn.send('setCommitter', () => this.registry.setCommitter(datanetId, this.conn.address, true)));
    }
    let distributor = await this.distributorOf(datanetId);
    if (!distributor) {
      if (!isAdmin) throw new ChainError(`Datanet ${datanetId} has no reward distributor; its admin ${admin} must set one`);
      distributor = await deployContract(this.conn, 'RewardDistributor', [this.deployment.token, this.conn.address]);
      receipts.push(await this.conn.send('setDistributor', () => this.registry.setDistributor(datanetId, distributor)));
    }
    return { distributor, receipts };
  }

  async commitEpoch(datanetId: string, epoch: bigint | number, roots: EpochRoots, metadataURI: string): Promise<TransactionReceipt> {
    return this.conn.send(`commit epoch ${epoch}`, () =>
      this.registry.commit(
        datanetId,
        BigInt(epoch),
        roots.datasetRoot,
        roots.contributionsRoot,
        roots.modelHash,
        roots.settlementRoot,
        roots.auditRoot ?? ZeroHash,
        metadataURI,
      ),
    );
  }

  async epochReward(distributor: string, epoch: bigint | number): Promise<{ root: string; total: bigint } | undefined> {
    const d = this.distributor(distributor);
    const root: string = await d.epochRoot(BigInt(epoch));
    if (root === ZeroHash) return undefined;
    return { root, total: await d.epochTotal(BigInt(epoch)) };
  }

  /**
   * Sets the epoch's reward root and moves `total` tokens into the distributor. With the test
   * token, missing funds are minted; with a real token the committer must hold them.
   */
  async fundEpoch(distributor: string, epoch: bigint | number, root: string, total: bigint): Promise<TransactionReceipt[]> {
    const receipts: TransactionReceipt[] = [];
    const balance: bigint = await this.token.balanceOf(this.conn.address);
    if (balance < total) {
      if (!this.deployment.testToken) {
        throw new ChainError(
          `account ${this.conn.address} holds ${balance} of token ${this.deployment.token} but epoch ${epoch} pays ${total}; fund it first`,
        );
      }
      receipts.push(await this.conn.send('mint test tokens', () => this.token.mint(this.conn.address, total - balance)));
    }
    const allowance: bigint = await this.token.allowance(this.conn.address, distributor);
    if (allowance < total) receipts.push(await this.conn.send('approve distributor', () => this.token.approve(distributor, total)));
    const d = this.distributor(distributor);
    receipts.push(await this.conn.send(`fund epoch ${epoch}`, () => d.fundEpoch(BigInt(epoch), root, total)));
    return receipts;
  }

  async isClaimed(distributor: string, epoch: bigint, index: bigint): Promise<boolean> {
    return this.distributor(distributor).isClaimed(epoch, index);
  }

  async claim(distributor: string, c: RewardClaim): Promise<TransactionReceipt> {
    const d = this.distributor(distributor);
    return this.conn.send(`claim epoch ${c.epoch} index ${c.index}`, () => d.claim(c.epoch, c.index, c.account, c.amount, c.proof));
  }

  async tokenBalance(address: string): Promise<bigint> {
    return this.token.balanceOf(address);
  }

  /** Embedded chain: gives an account gas money from a dev account so a fresh key can send. */
  async faucet(address: string, minimum = parseEther('1')): Promise<void> {
    if (this.conn.mode !== 'embedded') throw new ChainError('the faucet exists only on the embedded chain');
    if ((await this.conn.provider.getBalance(address)) >= minimum) return;
    await this.conn.send('faucet', (signer) => signer.sendTransaction({ to: address, value: minimum }));
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
