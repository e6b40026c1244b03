import type { Interface } from 'ethers';

/** Base class of every failure the connector reports; messages never contain key material. */
export class ChainError extends Error {
  override name = 'ChainError';
}

/** The node answers with another chain id than the settings expect (wrong URL or wrong network). */
export class WrongChainError extends ChainError {
  override name = 'WrongChainError';
  constructor(
    readonly expected: bigint,
    readonly actual: bigint,
    url: string,
  ) {
    super(`chain id mismatch: the settings expect chain ${expected} but ${url} is chain ${actual}; ` + `fix chain.chainId or chain.rpcUrl`);
  }
}

/** The sending account cannot pay for gas (or the value sent). */
export class InsufficientFundsError extends ChainError {
  override name = 'InsufficientFundsError';
}

/** The transaction (or its gas estimate) reverted; `reason` is the decoded error. */
export class TransactionRevertedError extends ChainError {
  override name = 'TransactionRevertedError';
  constructor(
    readonly action: string,
    readonly reason: string,
    /** Custom error name when one was decoded, e.g. `EpochAlreadyCommitted`. */
    readonly errorName?: string,
    readonly errorArgs?: unknown[],
    readonly txHash?: string,
  ) {
    super(`${action} reverted: ${reason}${txHash ? ` (tx ${txHash})` : ''}`);
  }
}

/** A key could not be loaded (missing env var, unreadable keystore, wrong password). */
export class KeyError extends ChainError {
  override name = 'KeyError';
}

const HEX_KEY = /(?:0x)?[0-9a-fA-F]{64}/g;

/**
 * Removes anything shaped like a private key, and the given secrets verbatim, from a message.
 * 32-byte hashes look like keys too; losing them from an error message is the price of never
 * leaking a key through an error some library built from its inputs.
 */
export function redact(message: string, secrets: string[] = []): string {
  let out = message;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  return out.replace(HEX_KEY, (m) => (m.length === 66 || m.length === 64 ? '[redacted]' : m));
}

function findRevertData(err: any): string | undefined {
  for (let e = err, depth = 0; e && depth < 6; e = e.error ?? e.info?.error ?? e.cause, depth++) {
    const data = e.data?.data ?? e.data;
    if (typeof data === 'string' && data.startsWith('0x') && data.length >= 10) return data;
  }
  return undefined;
}

function errorText(err: any): string {
  const parts = [err?.shortMessage, err?.message, err?.info?.error?.message, err?.error?.message];
  return parts.filter(Boolean).join(' | ');
}

/**
 * Turns whatever ethers or a node threw while sending into one of the errors above, decoding custom
 * errors with the contracts' ABIs so a user reads `EpochAlreadyCommitted(...)`, not `0x5a9c...`.
 */
export function toChainError(err: unknown, action: string, abis: Interface[], secrets: string[] = []): Error {
  if (err instanceof ChainError) return err;
  const e = err as any;
  const text = errorText(e);
  if (e?.code === 'INSUFFICIENT_FUNDS' || /insufficient funds|sender doesn't have enough funds/i.test(text)) {
    return new InsufficientFundsError(
      redact(
        `${action}: the sending account has no funds for gas; fund it and retry (${e?.shortMessage ?? 'insufficient funds'})`,
        secrets,
      ),
    );
  }
  const data = findRevertData(e);
  if (data) {
    for (const iface of abis) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) {
          const args = parsed.args.toArray().map((a) => (typeof a === 'bigint' ? a.toString() : a));
          return new TransactionRevertedError(action, `${parsed.name}(${args.join(', ')})`, parsed.name, args, e?.receipt?.hash);
        }
      } catch {
        // Not this ABI's error; try the next one.
      }
    }
  }
  if (e?.code === 'CALL_EXCEPTION' || /revert/i.test(text)) {
    const reason = e?.reason ?? e?.revert?.name ?? (data ? `unknown error data ${data.slice(0, 10)}` : 'no reason given');
    return new TransactionRevertedError(action, redact(String(reason), secrets), undefined, undefined, e?.receipt?.hash);
  }
  return new ChainError(redact(`${action} failed: ${e?.shortMessage ?? e?.message ?? String(err)}`, secrets));
}
