import { join } from 'node:path';
import { ChainJournal } from './chain-journal.js';
import { devGenesisAccounts } from './dev-accounts.js';
import { HardhatThread } from './hardhat-thread-client.js';

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
}

export const EMBEDDED_CHAIN_ID = 31337;
/** Fixed so every process builds the same genesis block, hence the same block hashes on replay. */
const GENESIS_DATE = new Date('2025-01-01T00:00:00Z');

/** Hardhat's well-known development keys (mnemonic "test test ... junk"): public, for local use only. */
export function devAccountKeys(): string[] {
  return devGenesisAccounts().map((a) => a.privateKey);
}

/** hardhat's in-process network, built in a worker thread (see hardhat-thread.mjs). */
function createHardhatProvider(): Promise<HardhatThread> {
  // Hardhat 2 exposes no public factory for an in-process network without a config file; the
  // thread calls the internal one that `hardhat.config` resolution calls, and hardhat is pinned to 2.x.
  return HardhatThread.start({
    chainId: EMBEDDED_CHAIN_ID,
    networkId: EMBEDDED_CHAIN_ID,
    hardfork: 'cancun',
    blockGasLimit: 30_000_000,
    minGasPrice: 0n,
    initialBaseFeePerGas: 1_000_000_000,
    automine: true,
    intervalMining: 0,
    mempoolOrder: 'priority',
    genesisAccounts: devGenesisAccounts(),
    allowUnlimitedContractSize: false,
    // Reverted transactions are mined and journaled like any other, so replay stays in step;
    // the sender learns of the revert from the receipt.
    throwOnTransactionFailures: false,
    throwOnCallFailures: true,
    allowBlocksWithSameTimestamp: false,
    initialDate: GENESIS_DATE,
    enableTransientStorage: false,
    enableRip7212: false,
  });
}

const FORBIDDEN_WHEN_PERSISTENT = new Set([
  'eth_sendTransaction',
  'evm_snapshot',
  'evm_revert',
  'evm_mine',
  'hardhat_reset',
  'hardhat_setBalance',
  'hardhat_setStorageAt',
  'hardhat_setCode',
  'hardhat_setNonce',
  'hardhat_impersonateAccount',
]);

/**
 * An in-process hardhat EVM. With a `journalDir` its state survives the process: every signed
 * transaction is journaled and replayed by the next process that opens the same folder, and
 * transactions other processes add meanwhile are replayed before each request.
 */
export class EmbeddedProvider implements Eip1193Provider {
  private constructor(
    private readonly inner: HardhatThread,
    private readonly journal?: ChainJournal,
  ) {}

  static async open(journalDir?: string): Promise<EmbeddedProvider> {
    const inner = await createHardhatProvider();
    const journal = journalDir ? new ChainJournal(join(journalDir, 'journal.jsonl')) : undefined;
    const provider = new EmbeddedProvider(inner, journal);
    await provider.catchUp();
    return provider;
  }

  /** Ends the chain's thread (an idle one does not hold the process open either). */
  close(): Promise<void> {
    return this.inner.close();
  }

  get persistent(): boolean {
    return this.journal !== undefined;
  }

  private async catchUp(): Promise<void> {
    if (!this.journal?.hasPending()) return;
    for (const entry of this.journal.readNew()) {
      await this.inner.request({ method: 'evm_setNextBlockTimestamp', params: [entry.timestamp] });
      await this.inner.request({ method: 'eth_sendRawTransaction', params: [entry.raw] });
    }
  }

  async request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown> {
    if (!this.journal) return this.inner.request(args);
    if (FORBIDDEN_WHEN_PERSISTENT.has(args.method)) {
      throw new Error(`${args.method} is not available on the persistent embedded chain: only signed transactions are journaled`);
    }
    if (args.method !== 'eth_sendRawTransaction') {
      await this.catchUp();
      return this.inner.request(args);
    }
    const journal = this.journal;
    return journal.withLock(async () => {
      await this.catchUp();
      const latest = (await this.inner.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as {
        timestamp: string;
      };
      // Wall-clock timestamps, but never behind the chain, and recorded so replay reproduces them.
      const timestamp = Math.max(Math.floor(Date.now() / 1000), Number(BigInt(latest.timestamp)) + 1);
      await this.inner.request({ method: 'evm_setNextBlockTimestamp', params: [timestamp] });
      const hash = await this.inner.request(args);
      journal.append({ raw: (args.params as string[])[0], timestamp });
      return hash;
    });
  }
}
