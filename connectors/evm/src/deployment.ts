import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ContractFactory, getAddress } from 'ethers';
import type { ChainConnection } from './chain/chain-connection.js';
import { ChainError } from './chain/chain-errors.js';
import { loadBuild, type ContractName } from './contracts/artifacts.js';

/** Where the shared contracts of one chain live. Distributors are per Datanet, found in the registry. */
export interface Deployment {
  chainId: string;
  registry: string;
  token: string;
  deployer: string;
  /** The token is our mintable test token (embedded chain, test nets): the committer may mint. */
  testToken: boolean;
}

export function deploymentPath(conn: ChainConnection, stateDir: string): string {
  return conn.mode === 'embedded' && conn.settings.dir === undefined
    ? join(stateDir, 'chain', 'embedded', 'deployment.json')
    : conn.mode === 'embedded'
      ? join(conn.settings.dir!, 'deployment.json')
      : join(stateDir, 'chain', 'deployments', `${conn.chainId}.json`);
}

/** Deploys one contract from the committed build and returns its address. */
export async function deployContract(conn: ChainConnection, name: ContractName, args: unknown[]): Promise<string> {
  const build = loadBuild(name);
  const receipt = await conn.send(`deploy ${name}`, (signer) =>
    new ContractFactory(build.abi as never, build.bytecode, signer).getDeployTransaction(...args).then((tx) => signer.sendTransaction(tx)),
  );
  if (!receipt.contractAddress) throw new ChainError(`deploy ${name}: no contract address in receipt ${receipt.hash}`);
  return receipt.contractAddress;
}

/** Deploys the registry and, unless a token address is given, the test token. */
export async function deployDatanetContracts(conn: ChainConnection, opts: { token?: string } = {}): Promise<Deployment> {
  const token = opts.token ? getAddress(opts.token) : await deployContract(conn, 'DatanetTestToken', [conn.address]);
  const registry = await deployContract(conn, 'DatanetRegistry', []);
  return { chainId: conn.chainId.toString(), registry, token, deployer: conn.address, testToken: !opts.token };
}

async function hasCode(conn: ChainConnection, address: string): Promise<boolean> {
  return (await conn.provider.getCode(address)) !== '0x';
}

/**
 * The deployment to use: the settings' addresses, else the one recorded under the state dir.
 * The embedded chain deploys on first use; a real chain must be deployed explicitly
 * (`datanet chain deploy`), since that spends real funds.
 */
export async function resolveDeployment(conn: ChainConnection, stateDir: string): Promise<Deployment> {
  const { registry, token } = conn.settings;
  if (registry && token) {
    const d: Deployment = {
      chainId: conn.chainId.toString(),
      registry: getAddress(registry),
      token: getAddress(token),
      deployer: '',
      testToken: false,
    };
    if (!(await hasCode(conn, d.registry)))
      throw new ChainError(`chain.registry ${d.registry} has no contract code on chain ${conn.chainId} (${conn.where})`);
    return d;
  }
  const path = deploymentPath(conn, stateDir);
  if (existsSync(path)) {
    const d = JSON.parse(readFileSync(path, 'utf8')) as Deployment;
    if (await hasCode(conn, d.registry)) return d;
    if (conn.mode === 'rpc') {
      throw new ChainError(
        `${path} names registry ${d.registry}, which has no code on ${conn.where}; redeploy with \`datanet chain deploy\` or fix chain.registry`,
      );
    }
  }
  if (conn.mode === 'rpc') {
    throw new ChainError(
      `no Datanet contracts known on chain ${conn.chainId} (${conn.where}): run \`datanet chain deploy\` or set chain.registry and chain.token`,
    );
  }
  const d = await deployDatanetContracts(conn);
  saveDeployment(path, d);
  return d;
}

export function saveDeployment(path: string, d: Deployment): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(d, null, 2)}\n`);
}
