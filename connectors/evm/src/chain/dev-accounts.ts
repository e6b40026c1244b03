import { createECDH, createHmac, pbkdf2Sync } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A funded account of the embedded chain's genesis block, in the form hardhat's provider takes. */
export interface GenesisAccount {
  privateKey: string;
  balance: string;
}

interface HardhatAccountsConfig {
  mnemonic: string;
  passphrase: string;
  path: string;
  initialIndex: number;
  count: number;
  accountsBalance: string;
}

// secp256k1's group order: BIP32 child keys are (IL + parent key) mod N.
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HARDENED = 0x80000000;

interface Node {
  key: bigint;
  chainCode: Buffer;
}

const key32 = (k: bigint) => Buffer.from(k.toString(16).padStart(64, '0'), 'hex');

/** BIP32 CKDpriv: a hardened child hashes the parent key, a normal one its compressed public key. */
function child(parent: Node, index: number): Node {
  const data = Buffer.alloc(37);
  if (index >= HARDENED) key32(parent.key).copy(data, 1);
  else {
    const ecdh = createECDH('secp256k1');
    ecdh.setPrivateKey(key32(parent.key));
    ecdh.getPublicKey(null, 'compressed').copy(data, 0);
  }
  data.writeUInt32BE(index, 33);
  const I = createHmac('sha512', parent.chainCode).update(data).digest();
  const il = BigInt(`0x${I.subarray(0, 32).toString('hex')}`);
  const key = (il + parent.key) % N;
  // BIP32 skips an index whose IL is out of range or whose key is zero (probability ~2^-127);
  // refuse rather than silently differ from hardhat's list.
  if (il >= N || key === 0n) throw new Error(`BIP32 child ${index} is invalid`);
  return { key, chainCode: I.subarray(32) };
}

function derivePath(seed: Buffer, path: string): Node {
  const I = createHmac('sha512', 'Bitcoin seed').update(seed).digest();
  let node: Node = { key: BigInt(`0x${I.subarray(0, 32).toString('hex')}`), chainCode: I.subarray(32) };
  for (const part of path.split('/').slice(1)) {
    const hardened = part.endsWith("'");
    node = child(node, Number.parseInt(part, 10) + (hardened ? HARDENED : 0));
  }
  return node;
}

let cached: GenesisAccount[] | undefined;

/**
 * Hardhat's well-known development accounts (mnemonic "test test ... junk", public, for local use
 * only), the same keys and balances as hardhat's own `normalizeHardhatNetworkAccountsConfig`.
 * Hardhat derives each of the 20 keys from the mnemonic with pure-JS PBKDF2/SHA-512 and a full BIP32
 * path walk: about 1 s of main-thread CPU per call, and every chain open called it twice. Here the
 * seed comes from ethers (Node's native PBKDF2), the shared parent `m/44'/60'/0'/0` is walked once,
 * and the 20 non-hardened children are one native HMAC-SHA512 each (BIP32 CKDpriv), so no child
 * needs an elliptic-curve multiplication. Computed once per process.
 */
export function devGenesisAccounts(): GenesisAccount[] {
  // Copies: the provider gets objects of its own.
  if (cached) return cached.map((a) => ({ ...a }));
  const { defaultHardhatNetworkParams } = require('hardhat/internal/core/config/default-config');
  const cfg = defaultHardhatNetworkParams.accounts as HardhatAccountsConfig;
  // BIP39 seed: PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase (NFKD).
  const seed = pbkdf2Sync(cfg.mnemonic.normalize('NFKD'), `mnemonic${cfg.passphrase}`.normalize('NFKD'), 2048, 64, 'sha512');
  const parent = derivePath(seed, cfg.path);
  const accounts: GenesisAccount[] = [];
  for (let i = cfg.initialIndex; i < cfg.initialIndex + cfg.count; i++) {
    accounts.push({ privateKey: `0x${key32(child(parent, i).key).toString('hex')}`, balance: cfg.accountsBalance });
  }
  cached = accounts;
  return accounts.map((a) => ({ ...a }));
}
