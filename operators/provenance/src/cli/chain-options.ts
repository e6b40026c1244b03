import { epochNumber } from '../commit/epoch-number.js';
import type { Command } from 'commander';
import { CliError, UsageError, type CliEnv } from '@datanet/pipelines';

export interface ChainFlags {
  rpcUrl?: string;
  chainId?: string;
  keystore?: string;
  registry?: string;
  token?: string;
}

/** Flags every chain command shares; without --rpc-url the embedded chain under the state dir is used. */
export function addChainOptions(cmd: Command): Command {
  return cmd
    .option('--rpc-url <url>', 'JSON-RPC node (default: $DATANET_RPC_URL, else the embedded chain)')
    .option('--chain-id <id>', 'expected chain id of the node (default: $DATANET_CHAIN_ID)')
    .option(
      '--keystore <file>',
      'encrypted JSON keystore of the sending account (password from $DATANET_KEYSTORE_PASSWORD; else the key in $DATANET_CHAIN_KEY)',
    )
    .option('--registry <address>', 'DatanetRegistry address (default: the recorded deployment)')
    .option('--token <address>', 'reward token address (default: the recorded deployment)');
}

export function chainSettingsFrom(flags: ChainFlags): Record<string, unknown> {
  const rpcUrl = flags.rpcUrl ?? process.env.DATANET_RPC_URL;
  if (!rpcUrl) return { mode: 'embedded' };
  const chainId = Number(flags.chainId ?? process.env.DATANET_CHAIN_ID);
  if (!Number.isInteger(chainId) || chainId <= 0) throw new UsageError('--rpc-url needs --chain-id N (or $DATANET_CHAIN_ID)');
  return { mode: 'rpc', rpcUrl, chainId, keystore: flags.keystore, registry: flags.registry, token: flags.token };
}

export function parseEpoch(value: string): number {
  const n = epochNumber(value);
  if (n === undefined) throw new UsageError(`--epoch ${value}: expected an epoch number or a settlement day YYYY-MM-DD`);
  return n;
}

/** Failures of the chain or the input exit 1; usage errors keep their exit 2. */
export async function asCliFailure<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError || err instanceof CliError) throw err;
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

/** Opens the run store when one is reachable; verify and claim can also work from flags alone. */
export async function openDbIfAny(env: CliEnv) {
  const store = await env.openDb().catch(() => undefined);
  if (store) {
    const { migrateProvenanceStore } = await import('../store/migrations.js');
    await migrateProvenanceStore(store.db);
  }
  return store;
}
