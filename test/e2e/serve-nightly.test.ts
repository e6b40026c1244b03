// The nightly loop through the API alone, with a real `datanet serve` in the embedded profile: two
// contributors sign in and submit MedQuAD records over HTTP, the inbox trigger runs intake, a
// steward launches the nightly pipeline (configs/pipelines/medical-qa-nightly.yaml, small
// parameters) with POST /api/runs and waits for it through the API; then each contributor reads
// their reward statements and claims on the chain through the server's JSON-RPC (POST /rpc), with
// ethers' JsonRpcProvider and a transaction their own key signs: the balance rises by exactly the
// amount, and a second claim fails. The endpoint refuses node control and unlocked-account methods,
// and the faucet funds only a signed-in wallet (these run without the MedQuAD sample too).
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Contract, JsonRpcProvider, Network, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatanetClient, signIn, submitFiles, type DatanetClient } from '@datanet/client';
import { loadBuild } from '@datanet/connector-evm';
import { SUBMISSION_TYPES, submissionDomain } from '@datanet/ingest';
import { REWARD_LEAF_ENCODING } from '@datanet/settlement';
import { REPO } from './cli.js';
import { startServe, type ServeProcess } from './serve-process.js';

const CORPUS = resolve(REPO, '../shared/corpora/medquad/medquad_sample_150_per_source.jsonl');
const present = existsSync(CORPUS);
if (!present && process.env.CI === 'true') throw new Error(`MedQuAD sample missing at ${CORPUS} (CI needs ../shared/corpora)`);

const steward = new Wallet(`0x${'7e'.repeat(32)}`);
const contributors = [
  { wallet: new Wallet(`0x${randomBytes(32).toString('hex')}`), source: 'CancerGov' },
  { wallet: new Wallet(`0x${randomBytes(32).toString('hex')}`), source: 'GARD' },
];
let root: string;
let server: ServeProcess;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'datanet-serve-nightly-'));
  mkdirSync(join(root, 'configs', 'pipelines'), { recursive: true });
  cpSync(join(REPO, 'configs', 'datanets'), join(root, 'configs', 'datanets'), { recursive: true });
  cpSync(join(REPO, 'configs', 'quality'), join(root, 'configs', 'quality'), { recursive: true });
  for (const p of ['medical-qa-inbox.yaml', 'medical-qa-nightly.yaml'])
    cpSync(join(REPO, 'configs', 'pipelines', p), join(root, 'configs', 'pipelines', p));
  appendFileSync(join(root, 'configs', 'datanets', 'medical-qa.yaml'), `\nroles:\n  stewards: ["${steward.address}"]\n`);
  server = await startServe({ stateDir: join(root, 'state'), cwd: root });
}, 300_000);
afterAll(async () => {
  await server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 900_000): Promise<T> {
  for (const end = Date.now() + ms; ;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} not reached after ${ms} ms:\n${server.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function submit(api: DatanetClient, wallet: Wallet, source: string): Promise<string> {
  const rows = readFileSync(CORPUS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>)
    .filter((r) => r.source === source)
    .slice(0, 25)
    .map((r) => JSON.stringify({ question: r.question, answer: r.answer, source: r.source, focus: r.focus, url: r.url }));
  const data = new Uint8Array(Buffer.from(`${rows.join('\n')}\n`));
  const { data: d } = await api.GET('/v1/datanets/{id}/signing-domain', { params: { path: { id: 'medical-qa' } } });
  const domain = { chainId: d!.domain.chainId, salt: d!.domain.salt };
  const manifest = {
    datanet: 'medical-qa',
    contributor: wallet.address,
    nonce: BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
    timestamp: Date.now(),
    files: [
      {
        name: `${source}.jsonl`,
        size: data.length,
        sha256: `0x${createHash('sha256').update(data).digest('hex')}`,
        licence: 'CC-BY-4.0',
        consent: ['training', 'attribution'],
      },
    ],
  };
  const signature = await wallet.signTypedData(submissionDomain(domain), SUBMISSION_TYPES, manifest);
  const sent = await submitFiles(api, 'medical-qa', { format: 'datanet-submission/2', domain, manifest, signature }, [
    { name: `${source}.jsonl`, data },
  ]);
  expect(sent.status).toBe(202);
  return String(sent.body.submissionId);
}

async function rpc(body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe("the embedded chain's JSON-RPC and faucet of a real server", () => {
  it('refuses node control and unlocked-account methods with a reason; serves reads and batches', async () => {
    expect((await rpc({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' })).body).toEqual({ jsonrpc: '2.0', id: 1, result: '0x7a69' });
    for (const method of [
      'hardhat_setBalance',
      'evm_mine',
      'debug_traceTransaction',
      'personal_sign',
      'eth_sendTransaction',
      'eth_accounts',
    ]) {
      const r = await rpc({ jsonrpc: '2.0', id: 7, method, params: [] });
      expect(r.status, method).toBe(403);
      expect(r.body.error.code).toBe(-32601);
      expect(r.body.error.message).toMatch(/refused/);
    }
    const batch = await rpc([
      { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' },
      { jsonrpc: '2.0', id: 2, method: 'hardhat_setBalance', params: [steward.address, '0x1'] },
    ]);
    expect(batch.status).toBe(200);
    expect(batch.body[0].result).toMatch(/^0x[0-9a-f]+$/);
    expect(batch.body[1].error.message).toMatch(/node control/);
    expect((await rpc({ method: 'eth_chainId' })).status).toBe(400);
    expect((await rpc(Array.from({ length: 51 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' })))).status).toBe(400);
  });

  it("funds only a signed-in wallet's own address; the wallet then sends a transaction it signed through /rpc", async () => {
    expect((await fetch(`${server.url}/v1/chain/faucet`, { method: 'POST' })).status).toBe(401);
    const wallet = new Wallet(`0x${randomBytes(32).toString('hex')}`);
    const api = createDatanetClient({ baseUrl: server.url, cookieJar: true });
    await signIn(api, wallet);
    const first = await api.POST('/v1/chain/faucet');
    expect(first.response.status).toBe(200);
    expect(first.data).toMatchObject({ address: wallet.address, chainId: 31337, balance: '1000000000000000000' });
    expect(first.data!.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Already funded: nothing sent.
    expect((await api.POST('/v1/chain/faucet')).data).toMatchObject({ txHash: null, balance: '1000000000000000000' });
    const provider = new JsonRpcProvider(`${server.url}/rpc`, Network.from(31337), { staticNetwork: true, pollingInterval: 50 });
    try {
      const tx = await wallet.connect(provider).sendTransaction({ to: steward.address, value: 1n });
      expect((await tx.wait())!.status).toBe(1);
      expect(await provider.getBalance(steward.address)).toBe(1n);
    } finally {
      provider.destroy();
    }
  });
});

describe.skipIf(!present)('the nightly pipeline through the API, claimed on the chain through the JSON-RPC', () => {
  it('contributors submit over HTTP; the steward runs the nightly pipeline; each claims the statement through /rpc exactly once', async () => {
    const clients = [];
    for (const c of contributors) {
      const api = createDatanetClient({ baseUrl: server.url, cookieJar: true });
      await signIn(api, c.wallet);
      clients.push(api);
      const id = await submit(api, c.wallet, c.source);
      const status = await until(`submission ${id} decided`, async () => {
        const r = await api.GET('/v1/submissions/{id}', { params: { path: { id } } });
        return r.data?.status === 'decided' ? r.data : undefined;
      });
      expect(status.accepted).toBeGreaterThan(10);
    }

    const staff = createDatanetClient({ baseUrl: server.url, cookieJar: true });
    await signIn(staff, steward);
    const launched = await staff.POST('/api/runs', {
      body: {
        pipeline: 'medical-qa-nightly',
        params: { datanet: 'medical-qa', maxSteps: '100', maxTrainRows: '50', prompts: '6', maxNewTokens: '32' },
      },
    });
    expect(launched.response.status, JSON.stringify(launched.error)).toBe(202);
    const runId = launched.data!.runId;
    await until(`run ${runId} succeeded`, async () => {
      const status = (await staff.GET('/api/runs/{id}', { params: { path: { id: runId } } })).data?.run.status;
      if (status === 'failed' || status === 'cancelled') throw new Error(`run ${runId} ${status}:\n${server.output().slice(-3000)}`);
      return status === 'succeeded' ? true : undefined;
    });

    const provider = new JsonRpcProvider(`${server.url}/rpc`, Network.from(31337), { staticNetwork: true, pollingInterval: 50 });
    const distributorAbi = loadBuild('RewardDistributor').abi as never;
    let claimed = 0;
    try {
      for (const [i, c] of contributors.entries()) {
        const r = await clients[i].GET('/v1/contributors/{address}/rewards', {
          params: { path: { address: c.wallet.address }, query: { datanet: 'medical-qa' } },
        });
        expect(r.response.status).toBe(200);
        for (const s of r.data!.statements) {
          expect(s.commit).not.toBeNull();
          expect(s.claim.to).toBe(s.commit!.distributor);
          const leaf = [s.epochNumber, String(s.index), c.wallet.address, s.amount];
          expect(StandardMerkleTree.verify(s.root, [...REWARD_LEAF_ENCODING], leaf, s.proof)).toBe(true);

          // Gas money from the faucet (embedded profile only; the session's own address).
          const funded = await clients[i].POST('/v1/chain/faucet');
          expect(funded.response.status).toBe(200);
          const signer = new Wallet(c.wallet.privateKey, provider);
          const distributor = new Contract(s.claim.to!, distributorAbi, provider);
          const token = new Contract(await distributor.token(), ['function balanceOf(address) view returns (uint256)'], provider);
          const before: bigint = await token.balanceOf(c.wallet.address);
          const tx = await signer.sendTransaction({ to: s.claim.to!, data: s.claim.data });
          const receipt = await tx.wait();
          expect(receipt!.status).toBe(1);
          expect((await token.balanceOf(c.wallet.address)) - before).toBe(BigInt(s.amount));
          expect(await distributor.isClaimed(BigInt(s.epochNumber), BigInt(s.index))).toBe(true);
          // The same claim again: the contract refuses it (estimateGas reverts before anything is sent).
          await expect(signer.sendTransaction({ to: s.claim.to!, data: s.claim.data })).rejects.toThrow();
          expect(await token.balanceOf(c.wallet.address)).toBe(before + BigInt(s.amount));
          claimed++;
        }
      }
    } finally {
      provider.destroy();
    }
    // Nothing to claim means no inference was attributed to a contribution: say what the epoch paid.
    const settled = (await staff.GET('/v1/datanets/{id}/settlements', { params: { path: { id: 'medical-qa' } } })).data;
    expect(claimed, `no statement to claim; settlements ${JSON.stringify(settled)}`).toBeGreaterThan(0);
  });
});
