// The SIWE text the client writes is what the server's `siwe` parser reads, and its signature verifies.
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { describe, expect, it } from 'vitest';
import { siweMessage } from '../src/sign-in.js';

describe('siweMessage', () => {
  it('parses and verifies with the siwe package', async () => {
    const wallet = new Wallet(`0x${'5a'.repeat(32)}`);
    const expiresAt = new Date(Date.now() + 600_000);
    const text = siweMessage({
      domain: '127.0.0.1:8080',
      uri: 'http://127.0.0.1:8080',
      chainId: 31337,
      nonce: 'abcdef0123456789',
      address: wallet.address,
      statement: 'Sign in to the Datanet service',
      expiresAt,
    });
    const parsed = new SiweMessage(text);
    expect(parsed.address).toBe(wallet.address);
    expect(parsed.chainId).toBe(31337);
    expect(parsed.expirationTime).toBe(expiresAt.toISOString());
    const ok = await parsed.verify({ signature: await wallet.signMessage(text), domain: '127.0.0.1:8080', nonce: 'abcdef0123456789' });
    expect(ok.success).toBe(true);
    const other = new Wallet(`0x${'5b'.repeat(32)}`);
    const bad = await parsed.verify({ signature: await other.signMessage(text) }, { suppressExceptions: true });
    expect(bad.success).toBe(false);
    // Without a statement too.
    const bare = siweMessage({ domain: 'a.b', uri: 'http://a.b', chainId: 1, nonce: 'abcdefgh12345678', address: wallet.address });
    expect(new SiweMessage(bare).prepareMessage()).toBe(bare);
  });
});
