import { readFile } from 'node:fs/promises';
import { Wallet } from 'ethers';
import { KeyError, redact } from './chain-errors.js';

export interface KeySource {
  /** Name of an environment variable holding a hex private key. */
  privateKeyEnv?: string;
  /** Path of an encrypted JSON keystore (Web3 Secret Storage). */
  keystore?: string;
  /** Name of the environment variable holding the keystore's password. */
  keystorePasswordEnv?: string;
}

export const DEFAULT_KEY_ENV = 'DATANET_CHAIN_KEY';
export const DEFAULT_PASSWORD_ENV = 'DATANET_KEYSTORE_PASSWORD';

function walletFromHex(hex: string, where: string): Wallet {
  const key = hex.trim();
  try {
    return new Wallet(key.startsWith('0x') ? key : `0x${key}`);
  } catch {
    // The message names where the key came from, never the key itself.
    throw new KeyError(`${where} does not hold a valid 32-byte hex private key`);
  }
}

/** Decrypts a keystore file; the password comes from the environment, never from a flag. */
export async function walletFromKeystore(path: string, passwordEnv = DEFAULT_PASSWORD_ENV): Promise<Wallet> {
  const text = await readFile(path, 'utf8').catch((err) => {
    throw new KeyError(`cannot read keystore ${path}: ${err.code ?? err.message}`);
  });
  const password = process.env[passwordEnv];
  if (password === undefined) {
    throw new KeyError(`keystore ${path} needs its password in the environment variable ${passwordEnv}`);
  }
  try {
    const wallet = await Wallet.fromEncryptedJson(text, password);
    return new Wallet(wallet.privateKey);
  } catch (err: any) {
    const why = /password/i.test(err?.message ?? '') ? `wrong password (from ${passwordEnv})` : 'not a valid encrypted JSON keystore';
    throw new KeyError(redact(`cannot decrypt keystore ${path}: ${why}`, [password]));
  }
}

/**
 * Reads a key file given on the command line: an encrypted JSON keystore (password from
 * `passwordEnv`) or, for development, a file holding a bare hex private key.
 */
export async function walletFromKeyFile(path: string, passwordEnv = DEFAULT_PASSWORD_ENV): Promise<Wallet> {
  const text = await readFile(path, 'utf8').catch((err) => {
    throw new KeyError(`cannot read key file ${path}: ${err.code ?? err.message}`);
  });
  if (text.trimStart().startsWith('{')) return walletFromKeystore(path, passwordEnv);
  return walletFromHex(text, `key file ${path}`);
}

/** The production signer: a keystore when one is configured, else the key in `privateKeyEnv`. */
export async function loadWallet(source: KeySource): Promise<Wallet> {
  if (source.keystore) return walletFromKeystore(source.keystore, source.keystorePasswordEnv ?? DEFAULT_PASSWORD_ENV);
  const env = source.privateKeyEnv ?? DEFAULT_KEY_ENV;
  const hex = process.env[env];
  if (!hex) {
    throw new KeyError(`no signing key: set the environment variable ${env} or configure chain.keystore`);
  }
  return walletFromHex(hex, `environment variable ${env}`);
}
