import { readFile } from 'node:fs/promises';
import { Wallet } from 'ethers';

export const KEY_PASSWORD_ENV = 'DATANET_KEY_PASSWORD';

/**
 * Loads a contributor key from a file holding a hex private key or an encrypted JSON keystore
 * (password from DATANET_KEY_PASSWORD). Errors never contain key material.
 */
export async function loadKeyFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Wallet> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw new Error(`cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text.startsWith('{')) {
    const password = env[KEY_PASSWORD_ENV];
    if (password === undefined) throw new Error(`key file ${path} is an encrypted keystore: set ${KEY_PASSWORD_ENV} to its password`);
    try {
      const wallet = await Wallet.fromEncryptedJson(text, password);
      return new Wallet(wallet.privateKey);
    } catch {
      throw new Error(`cannot decrypt keystore ${path}: wrong ${KEY_PASSWORD_ENV} or not a JSON keystore`);
    }
  }
  const hex = text.startsWith('0x') ? text : `0x${text}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error(`key file ${path} must hold a 32-byte hex private key (64 hex digits, optional 0x) or a JSON keystore`);
  }
  return new Wallet(hex);
}
