import { stat } from 'node:fs/promises';

/**
 * A warning when a key file can be read by users other than its owner (group or others bits), or
 * undefined. The key is never read here; only its mode.
 */
export async function keyFileWarning(path: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return undefined; // loading it reports the error
  }
  if ((mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  return `key file ${path} is readable by other users (mode ${octal}); restrict it with: chmod 600 ${path}`;
}

const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}$/;
const PEM_PRIVATE = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/**
 * What kind of secret the bytes hold, if they parse as one: a raw hex private key, an encrypted
 * JSON keystore (Web3 secret storage), or a PEM private key. Such a file must never be submitted:
 * the inbox is readable by the Datanet's stewards and its contents are published.
 */
export function secretKeyKind(bytes: Uint8Array): string | undefined {
  if (bytes.length > 64 * 1024) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).trim();
  } catch {
    return undefined;
  }
  if (HEX_KEY.test(text)) return 'a hex private key';
  if (PEM_PRIVATE.test(text)) return 'a PEM private key';
  if (text.startsWith('{')) {
    try {
      const doc = JSON.parse(text) as Record<string, unknown>;
      const crypto = (doc.crypto ?? doc.Crypto) as Record<string, unknown> | undefined;
      if (crypto && typeof crypto === 'object' && ('ciphertext' in crypto || 'kdf' in crypto)) return 'an encrypted JSON keystore';
      if (typeof doc.privateKey === 'string' && HEX_KEY.test(doc.privateKey.trim())) return 'a JSON document holding a private key';
    } catch {
      return undefined;
    }
  }
  return undefined;
}
