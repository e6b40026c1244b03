/** A wallet as the sign-in needs it (ethers' Wallet fits). */
export interface SigningWallet {
  address: string;
  signMessage(message: string): Promise<string>;
}

/**
 * Signs in to a real `datanet serve` with Sign-In with Ethereum (an EIP-4361 message for the
 * server's nonce, signed by the wallet) and gives the headers a browser would send on
 * state-changing requests: the session and CSRF cookies, the CSRF header and the origin.
 */
export async function signInOverHttp(url: string, wallet: SigningWallet): Promise<Record<string, string>> {
  const n = (await (await fetch(`${url}/auth/siwe/nonce`)).json()) as { domain: string; uri: string; chainId: number; nonce: string };
  const message = [
    `${n.domain} wants you to sign in with your Ethereum account:`,
    wallet.address,
    '',
    'Sign in to the Datanet service',
    '',
    `URI: ${n.uri}`,
    'Version: 1',
    `Chain ID: ${n.chainId}`,
    `Nonce: ${n.nonce}`,
    `Issued At: ${new Date().toISOString()}`,
    `Expiration Time: ${new Date(Date.now() + 600_000).toISOString()}`,
  ].join('\n');
  const res = await fetch(`${url}/auth/siwe/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, signature: await wallet.signMessage(message) }),
  });
  if (res.status !== 200) throw new Error(`sign-in refused (${res.status}): ${await res.text()}`);
  const csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  const session = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('datanet_session='))
    ?.split(';')[0];
  if (!session) throw new Error('sign-in answered 200 without a datanet_session cookie');
  return { cookie: `${session}; datanet_csrf=${csrf}`, 'x-csrf-token': csrf, origin: url, 'content-type': 'application/json' };
}
