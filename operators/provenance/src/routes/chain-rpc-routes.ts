import { join } from 'node:path';
import { BrowserProvider, getAddress, parseEther, Wallet } from 'ethers';
import { z } from 'zod';
import { devAccountKeys, EMBEDDED_CHAIN_ID, EmbeddedProvider } from '@datanet/connector-evm';
import type { RegisterRoutes, ServerContext } from '@datanet/pipelines/server';

/**
 * Methods anyone may call on the embedded chain's JSON-RPC: reads, and transactions the caller
 * signed themselves. Everything that controls the node (hardhat_*, evm_*, debug_*), or would sign
 * with an account the node holds (eth_sendTransaction, eth_sign*, personal_*), is refused: the dev
 * accounts are unlocked inside the node and their keys are public knowledge.
 */
const PUBLIC_METHODS = new Set([
  'web3_clientVersion',
  'net_version',
  'net_listening',
  'eth_chainId',
  'eth_syncing',
  'eth_blockNumber',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_feeHistory',
  'eth_getBalance',
  'eth_getCode',
  'eth_getStorageAt',
  'eth_getTransactionCount',
  'eth_getBlockByNumber',
  'eth_getBlockByHash',
  'eth_getTransactionByHash',
  'eth_getTransactionReceipt',
  'eth_getLogs',
  'eth_call',
  'eth_estimateGas',
  'eth_sendRawTransaction',
]);
/** Largest batch; a batch counts once against the rate limit. */
const MAX_BATCH = 50;
/** JSON-RPC requests per minute per caller (a batch is one request). */
const RPC_PER_MINUTE = 300;
/** What the faucet tops an account up to, and what it sends. */
const FAUCET_AMOUNT = parseEther('1');

const Id = z.union([z.string().max(100), z.number(), z.null()]);
const RpcRequest = z.object({
  jsonrpc: z.literal('2.0'),
  id: Id.optional(),
  method: z.string().min(1).max(100),
  params: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});
const RpcBody = z.union([RpcRequest, z.array(RpcRequest).min(1).max(MAX_BATCH)]);
const RpcReply = z.object({
  jsonrpc: z.literal('2.0'),
  id: Id,
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string(), data: z.unknown().optional() }).optional(),
});
const ErrorBody = z.object({ error: z.string(), message: z.string() });

type Reply = z.infer<typeof RpcReply>;

/** Why a method is not served, or undefined when it is. */
function refusal(method: string): string | undefined {
  if (PUBLIC_METHODS.has(method)) return undefined;
  if (method === 'eth_sendTransaction' || method === 'eth_accounts' || method.startsWith('eth_sign') || method.startsWith('personal_'))
    return `${method} is refused: the node's accounts are not for callers; sign the transaction in your wallet and send it with eth_sendRawTransaction`;
  if (/^(hardhat|evm|debug|anvil|miner|admin|txpool)_/.test(method))
    return `${method} is refused: node control and debugging are not exposed over this endpoint`;
  return `${method} is not served here; served: ${[...PUBLIC_METHODS].join(', ')}`;
}

/** The embedded profile: runs execute in this process, and so does the chain they commit to. */
const embedded = (ctx: ServerContext) => ctx.executor === 'in-process';
const NOT_EMBEDDED = {
  error: 'not_available',
  message:
    "the chain's JSON-RPC and faucet are served in the embedded profile only; under the distributed profile point wallets at the chain's own node",
};

/**
 * The embedded chain's JSON-RPC, as `hardhat node` serves it, so a wallet (or ethers'
 * JsonRpcProvider) reaches the chain the Datanet commits to: `POST /rpc`, JSON-RPC 2.0, batches
 * allowed. And a faucet that gives a signed-in contributor's own address gas money on that chain.
 * The chain is the one under `<stateDir>/chain/embedded` that `provenance.commit` uses; signed
 * transactions go through its journal, so every process that opens the folder sees them.
 */
const register: RegisterRoutes = (app, ctx) => {
  let chain: Promise<EmbeddedProvider> | undefined;
  const open = () => (chain ??= EmbeddedProvider.open(join(ctx.config.stateDir, 'chain', 'embedded')));
  app.addHook('onClose', async () => {
    if (chain) await (await chain).close();
  });

  async function call(r: z.infer<typeof RpcRequest>): Promise<Reply> {
    const id = r.id ?? null;
    const why = refusal(r.method);
    if (why) return { jsonrpc: '2.0', id, error: { code: -32601, message: why } };
    try {
      const result = await (await open()).request({ method: r.method, params: r.params });
      return { jsonrpc: '2.0', id, result: result ?? null };
    } catch (err: any) {
      // The node's own answer (reverts, bad nonces, malformed params): its code, message and data.
      const code = typeof err?.code === 'number' ? err.code : -32603;
      const message = String(err?.message ?? err).slice(0, 2000);
      return { jsonrpc: '2.0', id, error: { code, message, ...(err?.data !== undefined ? { data: err.data } : {}) } };
    }
  }

  app.post(
    '/rpc',
    {
      config: { access: 'public', rateLimit: { max: RPC_PER_MINUTE, timeWindow: '1 minute' } },
      schema: {
        tags: ['chain'],
        summary: "The embedded chain's JSON-RPC 2.0 (batches of up to 50): reads and eth_sendRawTransaction",
        description:
          'Served in the embedded profile only (404 not_available otherwise). Public, 300 requests a minute per caller. ' +
          'Served: ' +
          [...PUBLIC_METHODS].join(', ') +
          '. Refused with a JSON-RPC error -32601 naming the reason (HTTP 403 for a single request): hardhat_*, evm_*, ' +
          'debug_*, personal_*, eth_sign*, eth_accounts and eth_sendTransaction (the node signs for no caller).',
        body: RpcBody,
        response: { 200: z.union([RpcReply, z.array(RpcReply)]), 403: RpcReply, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      if (!embedded(ctx)) return reply.code(404).send(NOT_EMBEDDED as never);
      const body = req.body;
      if (Array.isArray(body)) {
        const out: Reply[] = [];
        // In order: a batch may send a transaction and then read its receipt.
        for (const r of body) out.push(await call(r));
        return out;
      }
      const one = await call(body);
      if (one.error && refusal(body.method)) return reply.code(403).send(one);
      return one;
    },
  );

  // One dev account (the last; the commit step signs with the first) pays the faucet, one send at a time.
  let faucetQueue: Promise<unknown> = Promise.resolve();
  app.post(
    '/v1/chain/faucet',
    {
      config: { access: { role: 'contributor', why: 'the signed-in wallet is funded' }, rateLimit: { max: 5, timeWindow: '1 minute' } },
      schema: {
        tags: ['chain'],
        summary: "Embedded profile only: tops the signed-in wallet's own address up to 1 ETH of gas money on the embedded chain",
        description:
          'The embedded chain is a local development chain whose ether has no value; contributors need some to send their claim. ' +
          'Only the address of the SIWE session is funded (an API token has none: 400 no_wallet), at most 5 times a minute. 404 not_available outside the embedded profile.',
        response: {
          200: z.object({ address: z.string(), chainId: z.number(), balance: z.string(), txHash: z.string().nullable() }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      if (!embedded(ctx)) return reply.code(404).send(NOT_EMBEDDED);
      const p = req.principal;
      if (p?.kind !== 'session')
        return reply.code(400).send({
          error: 'no_wallet',
          message: 'an API token has no wallet address to fund: sign in with the wallet (SIWE) and ask again',
        });
      const address = getAddress(p.address);
      const run = async () => {
        const eip = await open();
        const provider = new BrowserProvider(eip, EMBEDDED_CHAIN_ID, { pollingInterval: 20, cacheTimeout: -1 });
        try {
          const balance = await provider.getBalance(address);
          if (balance >= FAUCET_AMOUNT) return { address, chainId: EMBEDDED_CHAIN_ID, balance: balance.toString(), txHash: null };
          const keys = devAccountKeys();
          const payer = new Wallet(keys[keys.length - 1], provider);
          const tx = await payer.sendTransaction({ to: address, value: FAUCET_AMOUNT - balance });
          await tx.wait();
          return { address, chainId: EMBEDDED_CHAIN_ID, balance: (await provider.getBalance(address)).toString(), txHash: tx.hash };
        } finally {
          provider.destroy();
        }
      };
      const next = faucetQueue.then(run, run);
      faucetQueue = next.catch(() => undefined);
      return next;
    },
  );
};

export default register;
