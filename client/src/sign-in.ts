import type { DatanetClient } from './datanet-client.js';

/** Whatever holds the key: an ethers Wallet, a viem account, a browser wallet (personal_sign). */
export interface SiweSigner {
  /** EIP-55 checksummed address. */
  address: string;
  signMessage(message: string): Promise<string>;
}

/** The EIP-4361 message text for a nonce the server issued (what `siwe`'s SiweMessage prepares). */
export function siweMessage(o: {
  domain: string;
  uri: string;
  chainId: number;
  nonce: string;
  address: string;
  statement?: string;
  issuedAt?: Date;
  expiresAt?: Date;
}): string {
  const lines = [`${o.domain} wants you to sign in with your Ethereum account:`, o.address, ''];
  // EIP-4361: the statement line, or an empty one when there is none.
  lines.push(o.statement ?? '', '');
  lines.push(
    `URI: ${o.uri}`,
    'Version: 1',
    `Chain ID: ${o.chainId}`,
    `Nonce: ${o.nonce}`,
    `Issued At: ${(o.issuedAt ?? new Date()).toISOString()}`,
  );
  if (o.expiresAt) lines.push(`Expiration Time: ${o.expiresAt.toISOString()}`);
  return lines.join('\n');
}

/**
 * Sign-In with Ethereum: a nonce from the server, the message signed, a session. With a cookie-jar
 * client (Node) the session and CSRF cookies stay in the client; in a browser they stay in the
 * browser. Throws with the server's reason when sign-in is refused.
 */
export async function signIn(
  client: DatanetClient,
  signer: SiweSigner,
  statement = 'Sign in to the Datanet service',
): Promise<{ address: string; expiresAt: string; csrfToken: string }> {
  const n = await client.GET('/auth/siwe/nonce');
  if (!n.data) throw new Error(`sign-in: no nonce (HTTP ${n.response.status})`);
  const { domain, uri, chainId, nonce } = n.data;
  const message = siweMessage({ domain, uri, chainId, nonce, address: signer.address, statement });
  const signature = await signer.signMessage(message);
  const v = await client.POST('/auth/siwe/verify', { body: { message, signature } });
  if (!v.data) {
    const err = v.error as { error?: string; message?: string } | undefined;
    throw new Error(`sign-in refused (HTTP ${v.response.status}): ${err?.error ?? ''} ${err?.message ?? ''}`.trim());
  }
  return v.data;
}
