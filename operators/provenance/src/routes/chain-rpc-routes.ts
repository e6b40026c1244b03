import { join } from 'node:path';
import { BrowserProvider, computeAddress, getAddress, parseEther, Transaction, Wallet } from 'ethers';
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
/** A reply, the HTTP status it gets on its own, and whether the chain timed out on it. */
interface Answer {
  reply: Reply;
  status: number;
  timedOut?: boolean;
}

/** Why a method is not served, or undefined when it is. */
function refusal(method: string): string | undefined {
  if (PUBLIC_METHODS.has(method)) return undefined;
  if (method === 'eth_sendTransaction' || method === 'eth_accounts' || method.startsWith('eth_sign') || method.startsWith('personal_'))
    return `${method} is refused: the node's accounts are not for callers; sign the transaction in your wallet and send it with eth_sendRawTransaction`;
  if (/^(hardhat|evm|debug|anvil|miner|admin|txpool)_/.test(method))
    return `${method} is refused: node control and debugging are not exposed over this endpoint`;
  return `${method} is not served here; served: ${[...PUBLIC_METHODS].join(', ')}`;
}

/** Widest eth_getLogs range, in blocks (both ends included). */
export const MAX_LOG_BLOCKS = 10_000;
/**
 * Most gas an eth_call or eth_estimateGas may use, and the largest gasLimit of a transaction sent
 * here (a contributor's claim uses about 100k). The embedded EVM records a trace of every step and
 * cannot be interrupted: a 3M-gas loop took 8-17 s on a loaded 2-core machine, the block gas limit
 * (30M) 107 s, during which every other call of the chain waits.
 */
export const MAX_CALL_GAS = 5_000_000n;
/** How long one call may keep the chain's thread before the caller gets an error (DATANET_RPC_CALL_TIMEOUT_MS overrides). */
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

const BLOCK_TAGS = ['latest', 'earliest', 'pending', 'safe', 'finalized'] as const;
const hex = (re: RegExp, what: string) => z.string({ error: `must be ${what}` }).regex(re, `must be ${what}`);
const Quantity = hex(/^0x[0-9a-fA-F]{1,64}$/, 'a hex quantity such as "0x1a"');
const BlockNumber = hex(/^0x[0-9a-fA-F]{1,16}$/, 'a block number as a hex quantity such as "0x1a"');
const Address = hex(/^0x[0-9a-fA-F]{40}$/, 'a 20-byte hex address');
const Hash = hex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte hex hash');
const Data = hex(/^0x([0-9a-fA-F]{2})*$/, 'hex data of whole bytes ("0x" and an even number of hex digits)');
const isBlockTag = (v: unknown) =>
  typeof v === 'string' && ((BLOCK_TAGS as readonly string[]).includes(v) || /^0x[0-9a-fA-F]{1,16}$/.test(v));
const BlockTag = z.custom<string>(isBlockTag, {
  message: `must be a block tag (${BLOCK_TAGS.join(', ')}) or a block number as a hex quantity such as "0x1a"`,
});
/** A block tag, or EIP-1898's { blockNumber } / { blockHash }. */
const BlockRef = z.union(
  [BlockTag, z.strictObject({ blockNumber: BlockNumber }), z.strictObject({ blockHash: Hash, requireCanonical: z.boolean().optional() })],
  {
    error: `must be a block tag (${BLOCK_TAGS.join(', ')}), a block number as a hex quantity, or { blockHash }`,
  },
);
const isHash = (v: unknown) => typeof v === 'string' && /^0x[0-9a-fA-F]{64}$/.test(v);
const isAddress = (v: unknown) => typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v);
const Topic = z.custom<string | null | (string | null)[]>(
  (v) => v === null || isHash(v) || (Array.isArray(v) && v.length <= 16 && v.every((t) => t === null || isHash(t))),
  { message: 'must be a 32-byte hex topic, null, or a list of up to 16 of them' },
);
const LogAddress = z.custom<string | string[]>((v) => isAddress(v) || (Array.isArray(v) && v.length <= 100 && v.every(isAddress)), {
  message: 'must be a 20-byte hex address or a list of up to 100 of them',
});
const LogFilter = z
  .strictObject({
    fromBlock: BlockTag.optional(),
    toBlock: BlockTag.optional(),
    blockHash: Hash.optional(),
    address: LogAddress.optional(),
    topics: z.array(Topic).max(4).optional(),
  })
  .refine((f) => !(f.blockHash && (f.fromBlock !== undefined || f.toBlock !== undefined)), {
    message: 'blockHash excludes fromBlock and toBlock: give one or the other',
    path: ['blockHash'],
  });
/** A call or an estimate: the fields are checked here; hardhat checks how they combine. */
const CallObject = z.looseObject({
  from: Address.optional(),
  to: z
    .custom<string | null>((v) => v === null || isAddress(v), { message: 'must be a 20-byte hex address, or null for a contract creation' })
    .optional(),
  gas: Quantity.optional(),
  gasPrice: Quantity.optional(),
  maxFeePerGas: Quantity.optional(),
  maxPriorityFeePerGas: Quantity.optional(),
  value: Quantity.optional(),
  nonce: Quantity.optional(),
  data: Data.optional(),
  input: Data.optional(),
});
const none = z.tuple([]);
const hashAndFull = z.tuple([Hash, z.boolean({ error: 'must be true (whole transactions) or false (their hashes)' })]);
/** What each served method takes, positionally. */
const PARAMS: Record<string, z.ZodType<unknown[]>> = {
  web3_clientVersion: none,
  net_version: none,
  net_listening: none,
  eth_chainId: none,
  eth_syncing: none,
  eth_blockNumber: none,
  eth_gasPrice: none,
  eth_maxPriorityFeePerGas: none,
  eth_feeHistory: z.tuple([
    z.custom<string | number>(
      (v) =>
        (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1024) ||
        (typeof v === 'string' && /^0x[0-9a-fA-F]{1,4}$/.test(v) && BigInt(v) >= 1n && BigInt(v) <= 1024n),
      { message: 'must be a block count from 1 to 1024' },
    ),
    BlockTag,
    z.array(z.number().min(0).max(100)).max(100).optional(),
  ]),
  eth_getBalance: z.tuple([Address, BlockRef.optional()]),
  eth_getCode: z.tuple([Address, BlockRef.optional()]),
  eth_getTransactionCount: z.tuple([Address, BlockRef.optional()]),
  eth_getStorageAt: z.tuple([Address, Quantity, BlockRef.optional()]),
  eth_getBlockByNumber: z.tuple([BlockTag, z.boolean({ error: 'must be true (whole transactions) or false (their hashes)' })]),
  eth_getBlockByHash: hashAndFull,
  eth_getTransactionByHash: z.tuple([Hash]),
  eth_getTransactionReceipt: z.tuple([Hash]),
  eth_getLogs: z.tuple([LogFilter]),
  eth_call: z.tuple([CallObject, BlockRef.optional()]),
  eth_estimateGas: z.tuple([CallObject, BlockRef.optional()]),
  eth_sendRawTransaction: z.tuple([Data]),
};

/** A refused call: the JSON-RPC error, and the HTTP status a single request answers with. */
class CallRefused extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
class CallTimedOut extends CallRefused {}
const invalid = (method: string, message: string) => new CallRefused(-32602, `${method}: ${message}`, 400);

/** `params[0].toBlock` from a zod issue's path. */
function fieldOf(path: PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${String(k)}`), 'params');
}

/** The params, checked against what the method takes; throws -32602 naming the first bad field. */
function checkParams(method: string, params: unknown): unknown[] {
  if (params !== undefined && !Array.isArray(params))
    throw invalid(method, 'params must be a list (positional parameters), not an object of named ones');
  const list = (params as unknown[] | undefined) ?? [];
  const parsed = PARAMS[method].safeParse(list);
  if (parsed.success) return list;
  const issue = parsed.error.issues[0];
  if (issue.code === 'too_big' && issue.path.length === 0)
    throw invalid(method, `takes at most ${String(issue.maximum)} parameter(s), got ${list.length}`);
  if (issue.code === 'too_small' && issue.path.length === 0)
    throw invalid(method, `params[${list.length}] is missing (takes at least ${String(issue.minimum)} parameter(s))`);
  if (issue.path.length === 0) throw invalid(method, `params ${issue.message}`);
  const field = fieldOf(issue.path);
  const value = issue.path.reduce<any>((v, k) => (v == null ? undefined : v[k as never]), list);
  if (issue.code === 'unrecognized_keys') throw invalid(method, `${field} has unknown field(s) ${issue.keys.join(', ')}`);
  if (issue.code === 'invalid_type' && value === undefined) throw invalid(method, `${field} is missing`);
  throw invalid(method, `${field} ${issue.message}`);
}

/** A block tag or number of eth_getLogs as a number, given the head. */
function blockOf(tag: string | undefined, head: bigint): bigint {
  if (tag === undefined || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') return head;
  if (tag === 'earliest') return 0n;
  return BigInt(tag);
}

const hexBlock = (n: bigint) => `0x${n.toString(16)} (${n})`;

/** eth_getLogs' range, checked against the head: the chain walks every block of it and cannot be stopped. */
function checkLogRange(filter: { fromBlock?: string; toBlock?: string; blockHash?: string }, head: bigint): void {
  if (filter.blockHash) return;
  const from = blockOf(filter.fromBlock, head);
  const to = blockOf(filter.toBlock, head);
  if (to > head)
    throw invalid(
      'eth_getLogs',
      `params[0].toBlock ${hexBlock(to)} is beyond the chain's head block ${hexBlock(head)}: ask up to the head ("latest")`,
    );
  if (from > to)
    throw invalid('eth_getLogs', `params[0].fromBlock ${hexBlock(from)} is after params[0].toBlock ${hexBlock(to)}: swap them`);
  if (to - from + 1n > BigInt(MAX_LOG_BLOCKS))
    throw invalid(
      'eth_getLogs',
      `params[0].fromBlock..toBlock spans ${to - from + 1n} blocks; at most ${MAX_LOG_BLOCKS} per call: split the range into several calls`,
    );
}

/** eth_call / eth_estimateGas: gas within MAX_CALL_GAS, and set to it when the caller gives none (hardhat would take the block gas limit). */
function capCallGas(method: string, params: unknown[]): unknown[] {
  const tx = params[0] as { gas?: string };
  if (tx.gas === undefined) return [{ ...tx, gas: `0x${MAX_CALL_GAS.toString(16)}` }, ...params.slice(1)];
  if (BigInt(tx.gas) > MAX_CALL_GAS)
    throw invalid(method, `params[0].gas ${BigInt(tx.gas)} is more than this endpoint runs (${MAX_CALL_GAS}): ask with less gas`);
  return params;
}

let devAddresses: Set<string> | undefined;
/** The node's own accounts (hardhat's public dev keys): the commit step, the faucet's payer. */
function isDevAccount(address: string): boolean {
  devAddresses ??= new Set(devAccountKeys().map((k) => computeAddress(k).toLowerCase()));
  return devAddresses.has(address.toLowerCase());
}

/** A signed transaction a caller may send: decodable, signed, gas within MAX_CALL_GAS, not from one of the node's accounts. */
function checkRawTransaction(raw: string): void {
  let tx: Transaction;
  try {
    tx = Transaction.from(raw);
  } catch (err: any) {
    throw invalid('eth_sendRawTransaction', `params[0] is not a signed transaction (${String(err?.shortMessage ?? err?.message ?? err)})`);
  }
  const from = tx.from;
  if (!from) throw invalid('eth_sendRawTransaction', 'params[0] is not signed: sign the transaction in your wallet first');
  if (isDevAccount(from))
    throw new CallRefused(
      -32003,
      `eth_sendRawTransaction is refused: the transaction is signed by ${getAddress(from)}, one of this node's own accounts ` +
        "(hardhat's public development keys, which commit the Datanet's roots and pay the faucet); send from your own wallet",
      403,
    );
  if (tx.gasLimit > MAX_CALL_GAS)
    throw invalid(
      'eth_sendRawTransaction',
      `the transaction's gasLimit ${tx.gasLimit} is more than this endpoint accepts (${MAX_CALL_GAS}): sign it with a lower gas limit`,
    );
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

  const timeoutMs = Number(process.env.DATANET_RPC_CALL_TIMEOUT_MS) || DEFAULT_CALL_TIMEOUT_MS;

  /** One request to the chain's thread, answered within timeoutMs (the thread itself cannot be stopped). */
  async function chainRequest(method: string, params: unknown[]): Promise<unknown> {
    const provider = await open();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CallTimedOut(
              -32000,
              `${method} did not finish within ${timeoutMs} ms on the embedded chain and was abandoned` +
                (method === 'eth_sendRawTransaction' ? ' (the transaction may still be mined: look for its receipt)' : '') +
                '; the chain may be busy with it for a while: ask again later, for less (a smaller block range, less gas)',
              503,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([provider.request({ method, params }), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function call(r: z.infer<typeof RpcRequest>): Promise<Answer> {
    const id = r.id ?? null;
    const why = refusal(r.method);
    if (why) return { reply: { jsonrpc: '2.0', id, error: { code: -32601, message: why } }, status: 403 };
    try {
      let params = checkParams(r.method, r.params);
      if (r.method === 'eth_getLogs') checkLogRange(params[0] as never, BigInt((await chainRequest('eth_blockNumber', [])) as string));
      else if (r.method === 'eth_call' || r.method === 'eth_estimateGas') params = capCallGas(r.method, params);
      else if (r.method === 'eth_sendRawTransaction') checkRawTransaction(params[0] as string);
      const result = await chainRequest(r.method, params);
      return { reply: { jsonrpc: '2.0', id, result: result ?? null }, status: 200 };
    } catch (err: any) {
      if (err instanceof CallRefused)
        return {
          reply: { jsonrpc: '2.0', id, error: { code: err.code, message: err.message } },
          status: err.status,
          timedOut: err instanceof CallTimedOut,
        };
      // The node's own answer (reverts, bad nonces, malformed params): its code, message and data.
      const code = typeof err?.code === 'number' ? err.code : -32603;
      const message = String(err?.message ?? err).slice(0, 2000);
      return {
        reply: { jsonrpc: '2.0', id, error: { code, message, ...(err?.data !== undefined ? { data: err.data } : {}) } },
        status: 200,
      };
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
        // In order: a batch may send a transaction and then read its receipt. After a call that
        // timed out the chain is busy with it: the rest of the batch is not sent.
        let stuck: Reply['id'] | undefined;
        for (const r of body) {
          if (stuck !== undefined) {
            const message = `${r.method} was not sent: call ${JSON.stringify(stuck)} of this batch timed out on the embedded chain; ask again later`;
            out.push({ jsonrpc: '2.0', id: r.id ?? null, error: { code: -32000, message } });
            continue;
          }
          const a = await call(r);
          if (a.timedOut) stuck = r.id ?? null;
          out.push(a.reply);
        }
        return out;
      }
      const one = await call(body);
      // A single request's status says how it went: 400 bad params, 403 refused, 503 timed out.
      if (one.status !== 200) return reply.code(one.status as 403).send(one.reply);
      return one.reply;
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
