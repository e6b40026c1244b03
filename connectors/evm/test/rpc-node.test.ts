import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Wallet, encryptKeystoreJson, id } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChainConnection,
  DatanetChain,
  REWARD_LEAF_TYPES,
  deployDatanetContracts,
  deploymentPath,
  devAccountKeys,
  parseChainSettings,
  saveDeployment,
} from '../src/index.js';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'datanet-rpc-'));
const PASSWORD_ENV = 'DATANET_TEST_KEYSTORE_PASSWORD';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startHardhatNode(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  writeFileSync(join(dir, 'hardhat.config.cjs'), 'module.exports = { networks: { hardhat: { chainId: 31337 } } };\n');
  const cli = require.resolve('hardhat/internal/cli/cli.js');
  const child = spawn(
    process.execPath,
    [cli, 'node', '--hostname', '127.0.0.1', '--port', String(port), '--config', join(dir, 'hardhat.config.cjs')],
    {
      // Hardhat insists on resolving itself from the working folder's node_modules.
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', DO_NOT_TRACK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start:\n${log}`)), 60_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      if (log.includes('Started HTTP')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`hardhat node exited with ${code}:\n${log}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

describe('production path against a separately started `hardhat node`', () => {
  let node: { child: ChildProcess; url: string };
  let settings: Record<string, unknown>;
  const committerKey = devAccountKeys()[1];

  beforeAll(async () => {
    node = await startHardhatNode();
    const account = new Wallet(committerKey);
    // A cheap scrypt cost keeps the test fast; real keystores use the default.
    const json = await encryptKeystoreJson({ address: account.address, privateKey: committerKey }, 'correct horse', {
      scrypt: { N: 1 << 10 },
    });
    writeFileSync(join(dir, 'committer.json'), json);
    process.env[PASSWORD_ENV] = 'correct horse';
    settings = { mode: 'rpc', rpcUrl: node.url, chainId: 31337, keystore: join(dir, 'committer.json'), keystorePasswordEnv: PASSWORD_ENV };
  }, 90_000);

  afterAll(() => {
    node?.child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to use a chain before its contracts are deployed, naming the fix', async () => {
    await expect(DatanetChain.open(settings, dir)).rejects.toThrow(/datanet chain deploy/);
  });

  it('deploys, commits, funds and pays a claim through URL + keystore', async () => {
    const conn = await ChainConnection.open(parseChainSettings(settings), dir);
    expect(conn.mode).toBe('rpc');
    expect(conn.address).toBe(new Wallet(committerKey).address);
    saveDeployment(deploymentPath(conn, dir), await deployDatanetContracts(conn));
    await conn.close();

    const chain = await DatanetChain.open(settings, dir);
    const datanet = id('rpc-datanet');
    const { distributor } = await chain.ensureDatanet(datanet);
    const claimant = new Wallet(devAccountKeys()[7]);
    const tree = StandardMerkleTree.of(
      [
        [1n, 0n, claimant.address, 500n],
        [1n, 1n, chain.conn.address, 250n],
      ],
      [...REWARD_LEAF_TYPES],
    );
    const roots = { datasetRoot: id('d'), contributionsRoot: id('c'), modelHash: id('m'), settlementRoot: tree.root };
    const commit = await chain.commitEpoch(datanet, 1n, roots, 'rpc');
    expect(commit.status).toBe(1);
    await chain.fundEpoch(distributor, 1n, tree.root, 750n);
    await expect(chain.commitEpoch(datanet, 1n, roots, 'again')).rejects.toThrow(/EpochAlreadyCommitted/);

    const asClaimant = chain.as(chain.conn.withWallet(claimant));
    const receipt = await asClaimant.claim(distributor, {
      epoch: 1n,
      index: 0n,
      account: claimant.address,
      amount: 500n,
      proof: tree.getProof(0),
    });
    expect(receipt.status).toBe(1);
    expect(await chain.tokenBalance(claimant.address)).toBe(500n);
    expect((await chain.readCommit(datanet, 1n))?.metadataURI).toBe('rpc');
    await chain.close();
  }, 90_000);

  it('refuses a node with another chain id', async () => {
    await expect(ChainConnection.open(parseChainSettings({ ...settings, chainId: 5 }), dir)).rejects.toThrow(
      /expect chain 5 but .* is chain 31337/,
    );
  });

  it('names a wrong keystore password without printing it', async () => {
    process.env[PASSWORD_ENV] = 'wrong-password-123';
    const err = await ChainConnection.open(parseChainSettings(settings), dir).catch((e) => e);
    process.env[PASSWORD_ENV] = 'correct horse';
    expect(err.name).toBe('KeyError');
    expect(err.message).toMatch(/wrong password/);
    expect(err.message).not.toContain('wrong-password-123');
  }, 30_000);

  it('never puts the private key from the environment into an error', async () => {
    const broke = Wallet.createRandom();
    process.env.DATANET_TEST_BROKE_KEY = broke.privateKey;
    const chain = await DatanetChain.open({ mode: 'rpc', rpcUrl: node.url, chainId: 31337, privateKeyEnv: 'DATANET_TEST_BROKE_KEY' }, dir);
    const err = await chain.ensureDatanet(id('broke')).catch((e) => e);
    await chain.close();
    expect(err.name).toBe('InsufficientFundsError');
    expect(String(err.message) + String(err.stack)).not.toContain(broke.privateKey.slice(2));
  }, 30_000);

  it('says which variable is missing when no key is configured', async () => {
    delete process.env.DATANET_TEST_UNSET_KEY;
    await expect(
      DatanetChain.open({ mode: 'rpc', rpcUrl: node.url, chainId: 31337, privateKeyEnv: 'DATANET_TEST_UNSET_KEY' }, dir),
    ).rejects.toThrow(/DATANET_TEST_UNSET_KEY/);
  });
});
