import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Network, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAccountKeys } from '@datanet/connector-evm';
import { signInOverHttp, startServe } from '@datanet/pipelines/testing';

// POST /rpc of a real `datanet serve` (embedded profile): inputs that would keep the embedded EVM
// busy for minutes or for ever (which cannot be interrupted) are refused with the field named, a
// slow call answers an error within the time limit, and transactions signed with the node's own
// (publicly known) dev keys are refused, while a contributor's own wallet still sends through it.
const LOOP = '0x5b600056'; // init code JUMPDEST PUSH1 0 JUMP: loops until the gas runs out
const roots: string[] = [];

interface Serve {
  url: string;
  stop(): Promise<void>;
}

async function serve(env: Record<string, string> = {}): Promise<Serve> {
  const root = mkdtempSync(join(tmpdir(), 'datanet-chain-rpc-'));
  roots.push(root);
  const server = await startServe({ stateDir: join(root, 'state'), cwd: root, env: { DATABASE_URL: '', DATANET_RPC_URL: '', ...env } });
  // SIGKILL: a chain thread busy with a bounded call would hold a graceful stop.
  return { url: server.url, stop: async () => void (await server.stop('SIGKILL')) };
}

async function rpc(url: string, body: unknown, ms = 30_000): Promise<{ status: number; body: any; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${url}/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ms),
  });
  return { status: res.status, body: await res.json(), ms: Date.now() - t0 };
}
const one = (method: string, params?: unknown) => ({ jsonrpc: '2.0', id: 1, method, ...(params !== undefined ? { params } : {}) });

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('POST /rpc of a real server: inputs that would hold the chain, and the node’s own accounts', () => {
  let s: Serve;
  beforeAll(async () => {
    s = await serve();
  }, 180_000);
  afterAll(() => s?.stop());

  it('eth_getLogs past the head is refused naming toBlock, and the chain still answers', async () => {
    const head = BigInt((await rpc(s.url, one('eth_blockNumber'))).body.result);
    const r = await rpc(s.url, one('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0xffffffffffffffff' }]));
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.error.code).toBe(-32602);
    expect(r.body.error.message).toContain('params[0].toBlock 0xffffffffffffffff');
    expect(r.body.error.message).toContain(`beyond the chain's head block 0x${head.toString(16)}`);
    const after = await rpc(s.url, one('eth_blockNumber'), 10_000);
    expect(after.body.result).toMatch(/^0x[0-9a-f]+$/);
    // Within the head: served.
    const ok = await rpc(s.url, one('eth_getLogs', [{ fromBlock: 'earliest', toBlock: 'latest' }]));
    expect(ok.status).toBe(200);
    expect(ok.body.result).toEqual(expect.any(Array));
    const swapped = await rpc(s.url, one('eth_getLogs', [{ fromBlock: `0x${(head + 1n).toString(16)}`, toBlock: 'latest' }]));
    expect(swapped.body.error.message).toMatch(/params\[0\]\.fromBlock .* is after params\[0\]\.toBlock/);
  }, 60_000);

  it('params of the served methods are checked: 400 with the field named; in a batch, that call’s error', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['eth_getBlockByNumber', ['soon', false], /params\[0\] must be a block tag/],
      ['eth_getBlockByNumber', ['latest'], /params\[1\] is missing/],
      ['eth_getBalance', ['0x12', 'latest'], /params\[0\] must be a 20-byte hex address/],
      ['eth_getBalance', { address: '0x' + '12'.repeat(20) }, /params must be a list/],
      ['eth_blockNumber', ['latest'], /takes at most 0 parameter/],
      ['eth_getLogs', [{ fromBlock: 'latest', topics: ['0x12'] }], /params\[0\]\.topics\[0\] must be a 32-byte hex topic/],
      ['eth_getLogs', [{ fromBlok: '0x0' }], /params\[0\] has unknown field\(s\) fromBlok/],
      ['eth_feeHistory', ['0x10000', 'latest', []], /params\[0\] must be a block count from 1 to 1024/],
      ['eth_sendRawTransaction', ['0x1234'], /params\[0\] is not a signed transaction/],
    ];
    for (const [method, params, want] of cases) {
      const r = await rpc(s.url, one(method, params));
      expect(r.status, `${method} ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.code).toBe(-32602);
      expect(r.body.error.message).toMatch(want);
      expect(r.body.error.message.startsWith(`${method}: `)).toBe(true);
    }
    const batch = await rpc(s.url, [
      { jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: '0xffffffffffffffff' }] },
      { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber', params: [] },
    ]);
    expect(batch.status).toBe(200);
    expect(batch.body[0].error.message).toContain('params[0].toBlock');
    expect(batch.body[1].result).toMatch(/^0x[0-9a-f]+$/);
  }, 60_000);

  it('eth_call and eth_estimateGas with more gas than the endpoint runs are refused naming gas', async () => {
    for (const method of ['eth_call', 'eth_estimateGas']) {
      const r = await rpc(s.url, one(method, [{ data: LOOP, gas: '0xffffffffffffffff' }, 'latest']));
      expect(r.status, `${method} ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.message).toContain('params[0].gas 18446744073709551615 is more than this endpoint runs (5000000)');
    }
    // A plain call still answers.
    const r = await rpc(s.url, one('eth_call', [{ to: '0x' + '00'.repeat(19) + '01', data: '0x' }, 'latest']));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }, 60_000);

  it("a transaction signed with one of the node's own dev keys is refused (403); a contributor's own wallet sends hers", async () => {
    const dev = new Wallet(devAccountKeys()[0]);
    const to = '0x000000000000000000000000000000000000dEaD';
    const nonce = Number(BigInt((await rpc(s.url, one('eth_getTransactionCount', [dev.address, 'latest']))).body.result));
    const raw = await dev.signTransaction({
      to,
      value: 12345n,
      nonce,
      chainId: 31337,
      gasLimit: 21000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      type: 2,
    });
    const r = await rpc(s.url, one('eth_sendRawTransaction', [raw]));
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.error.code).toBe(-32003);
    expect(r.body.error.message).toContain(`signed by ${dev.address}, one of this node's own accounts`);
    expect((await rpc(s.url, one('eth_getBalance', [to, 'latest']))).body.result).toBe('0x0');
    // In a batch too.
    const batch = await rpc(s.url, [{ jsonrpc: '2.0', id: 'a', method: 'eth_sendRawTransaction', params: [raw] }]);
    expect(batch.body[0].error.code).toBe(-32003);
    expect((await rpc(s.url, one('eth_getTransactionCount', [dev.address, 'latest']))).body.result).toBe(`0x${nonce.toString(16)}`);

    // A signed-in contributor: the faucet funds her, and her own wallet sends through /rpc (ethers fills in gas, fees, nonce).
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    const signedIn = await signInOverHttp(s.url, wallet);
    const funded = await fetch(`${s.url}/v1/chain/faucet`, {
      method: 'POST',
      headers: { cookie: signedIn.cookie, 'x-csrf-token': signedIn['x-csrf-token'], origin: s.url },
    });
    expect(funded.status, await funded.clone().text()).toBe(200);
    const provider = new JsonRpcProvider(`${s.url}/rpc`, Network.from(31337), { staticNetwork: true, pollingInterval: 50 });
    try {
      const tx = await wallet.connect(provider).sendTransaction({ to, value: 7n });
      expect((await tx.wait())!.status).toBe(1);
      expect(await provider.getBalance(to)).toBe(7n);
      // A contributor's transaction with more gas than the endpoint accepts: refused, naming gasLimit.
      const big = await wallet.signTransaction({
        to,
        value: 1n,
        nonce: await provider.getTransactionCount(wallet.address),
        chainId: 31337,
        gasLimit: 10_000_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
        type: 2,
      });
      const r2 = await rpc(s.url, one('eth_sendRawTransaction', [big]));
      expect(r2.status, JSON.stringify(r2.body)).toBe(400);
      expect(r2.body.error.message).toContain("the transaction's gasLimit 10000000 is more than this endpoint accepts (5000000)");
    } finally {
      provider.destroy();
    }
  }, 120_000);
});

describe('POST /rpc: a call that keeps the chain busy past the time limit', () => {
  let s: Serve;
  beforeAll(async () => {
    s = await serve({ DATANET_RPC_CALL_TIMEOUT_MS: '300' });
  }, 180_000);
  afterAll(() => s?.stop());

  it('answers 503 within the limit instead of hanging; the chain answers again once it is done', async () => {
    // Opens the chain (not timed) so the loop below is all the chain's work.
    expect((await rpc(s.url, one('eth_chainId'))).body.result).toBe('0x7a69');
    // 5M gas of a three-opcode loop: seconds of the EVM's time on any machine.
    const r = await rpc(s.url, one('eth_call', [{ data: LOOP, gas: '0x4c4b40' }, 'latest']));
    expect(r.status, JSON.stringify(r.body)).toBe(503);
    expect(r.body.error.code).toBe(-32000);
    expect(r.body.error.message).toContain('eth_call did not finish within 300 ms on the embedded chain');
    expect(r.ms).toBeLessThan(10_000);
    // A batch stops at its call that timed out.
    const batch = await rpc(s.url, [
      { jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: LOOP, gas: '0x4c4b40' }, 'latest'] },
      { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber' },
    ]);
    expect(batch.body[0].error.message).toContain('did not finish within 300 ms');
    expect(batch.body[1].error.message).toBe(
      'eth_blockNumber was not sent: call 1 of this batch timed out on the embedded chain; ask again later',
    );
    for (const end = Date.now() + 240_000; ;) {
      const b = await rpc(s.url, one('eth_blockNumber'));
      if (b.body.result) break;
      expect(b.body.error.message).toContain('did not finish within 300 ms');
      if (Date.now() > end) throw new Error('the chain did not answer again within 240 s');
      await new Promise((done) => setTimeout(done, 500));
    }
  }, 300_000);
});
