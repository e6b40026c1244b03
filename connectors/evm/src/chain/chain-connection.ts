import { join } from 'node:path';
import {
  BrowserProvider,
  JsonRpcProvider,
  Network,
  NonceManager,
  Wallet,
  type AbstractProvider,
  type Signer,
  type TransactionReceipt,
  type TransactionResponse,
} from 'ethers';
import { allInterfaces } from '../contracts/artifacts.js';
import { ChainError, TransactionRevertedError, WrongChainError, redact, toChainError } from './chain-errors.js';
import type { ChainSettings } from './chain-settings.js';
import { EMBEDDED_CHAIN_ID, EmbeddedProvider, devAccountKeys } from './embedded-provider.js';
import { loadWallet } from './keys.js';

export interface SendOptions {
  /** Wait for this many confirmations (default: the connection's). */
  confirmations?: number;
}

/**
 * An open chain: a provider, the signing wallet and a way to send that serialises this process's
 * transactions (nonces), waits for confirmations and turns failures into clear errors.
 */
export class ChainConnection {
  private queue: Promise<unknown> = Promise.resolve();

  /** Use `ChainConnection.open`; the constructor is for the openers below. */
  constructor(
    readonly mode: 'embedded' | 'rpc',
    readonly chainId: bigint,
    readonly provider: AbstractProvider,
    readonly signer: Signer,
    readonly address: string,
    readonly settings: ChainSettings,
    /** Human description of where the chain is (URL or folder); safe to print. */
    readonly where: string,
    private readonly secrets: string[],
    private readonly onClose: () => Promise<void>,
  ) {}

  static async open(settings: ChainSettings, stateDir: string): Promise<ChainConnection> {
    return settings.mode === 'rpc' ? openRpc(settings) : openEmbedded(settings, stateDir);
  }

  /** A connection for another key on the same chain (a contributor claiming). */
  withWallet(wallet: Wallet): ChainConnection {
    const w = wallet.connect(this.provider);
    const signer = this.mode === 'rpc' ? new NonceManager(w) : w;
    return new ChainConnection(
      this.mode,
      this.chainId,
      this.provider,
      signer,
      w.address,
      this.settings,
      this.where,
      [wallet.privateKey],
      async () => {},
    );
  }

  /** Dev account keys funded on the embedded chain (public knowledge; embedded mode only). */
  devKeys(): string[] {
    if (this.mode !== 'embedded') throw new ChainError('development accounts exist only on the embedded chain');
    return devAccountKeys();
  }

  /**
   * Sends one transaction built by `build` and waits for it. Calls are queued so one process never
   * hands the same nonce to two transactions.
   */
  send(action: string, build: (signer: Signer) => Promise<TransactionResponse>, opts: SendOptions = {}): Promise<TransactionReceipt> {
    const run = async () => {
      let tx: TransactionResponse;
      try {
        tx = await build(this.signer);
      } catch (err) {
        if (this.signer instanceof NonceManager) this.signer.reset();
        throw toChainError(err, action, allInterfaces(), this.secrets);
      }
      let receipt: TransactionReceipt | null;
      try {
        receipt = await tx.wait(opts.confirmations ?? this.settings.confirmations, this.settings.timeoutMs);
      } catch (err: any) {
        if (err?.code === 'TIMEOUT') {
          throw new ChainError(
            `${action}: transaction ${tx.hash} was not confirmed within ${this.settings.timeoutMs} ms; it may still be mined, check it before retrying`,
          );
        }
        throw toChainError(err, action, allInterfaces(), this.secrets);
      }
      if (!receipt) throw new ChainError(`${action}: no receipt for ${tx.hash}`);
      if (receipt.status !== 1)
        throw new TransactionRevertedError(action, 'reverted on-chain (no reason returned)', undefined, undefined, receipt.hash);
      return receipt;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Redacts this connection's secrets from a message (for errors built elsewhere). */
  redact(message: string): string {
    return redact(message, this.secrets);
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

async function openEmbedded(settings: ChainSettings, stateDir: string): Promise<ChainConnection> {
  const dir = settings.dir ?? join(stateDir, 'chain', 'embedded');
  const eip = await EmbeddedProvider.open(settings.ephemeral ? undefined : dir);
  const provider = new BrowserProvider(eip, EMBEDDED_CHAIN_ID, { pollingInterval: 20, cacheTimeout: -1 });
  const key = devAccountKeys()[0];
  // No NonceManager here: another process may have used the nonce since; the pending count is
  // read fresh (after the journal catch-up) for every transaction.
  const wallet = new Wallet(key, provider);
  return new ChainConnection(
    'embedded',
    BigInt(EMBEDDED_CHAIN_ID),
    provider,
    wallet,
    wallet.address,
    settings,
    settings.ephemeral ? 'embedded (in memory)' : `embedded (${dir})`,
    [key],
    async () => {
      provider.destroy();
      await eip.close();
    },
  );
}

async function rpcChainId(url: string, timeoutMs: number): Promise<bigint> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err: any) {
    throw new ChainError(`cannot reach the JSON-RPC node at ${url}: ${err?.cause?.code ?? err?.message}`);
  }
  const body = (await res.json().catch(() => undefined)) as { result?: string } | undefined;
  if (!res.ok || !body?.result) throw new ChainError(`${url} did not answer eth_chainId (HTTP ${res.status})`);
  return BigInt(body.result);
}

async function openRpc(settings: ChainSettings): Promise<ChainConnection> {
  const url = settings.rpcUrl!;
  const expected = BigInt(settings.chainId!);
  const actual = await rpcChainId(url, Math.min(settings.timeoutMs, 15_000));
  if (actual !== expected) throw new WrongChainError(expected, actual, url);
  const provider = new JsonRpcProvider(url, Network.from(actual), { staticNetwork: true, pollingInterval: 500 });
  const wallet = (await loadWallet(settings)).connect(provider);
  const signer = new NonceManager(wallet);
  return new ChainConnection('rpc', actual, provider, signer, wallet.address, settings, url, [wallet.privateKey], async () =>
    provider.destroy(),
  );
}
