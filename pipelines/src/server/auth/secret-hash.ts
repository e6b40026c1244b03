import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh secret (sessions, tokens, CSRF): 32 random bytes, base64url. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** What the store keeps instead of a secret: its sha256 (secrets are high-entropy, no salt needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
