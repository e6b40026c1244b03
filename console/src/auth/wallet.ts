import { getAddress } from 'ethers/address';

/** An EIP-1193 provider (MetaMask, Rabby, a test wallet): `window.ethereum`. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export function walletProvider(): Eip1193Provider | undefined {
  return typeof window !== 'undefined' ? window.ethereum : undefined;
}

export class WalletMissingError extends Error {
  constructor() {
    super('No wallet found in this browser. Install an Ethereum wallet (any EIP-1193 provider) and reload.');
  }
}

/** Asks the wallet for its account; EIP-55 checksummed (SIWE requires it). */
export async function connectWallet(): Promise<{ provider: Eip1193Provider; address: string }> {
  const provider = walletProvider();
  if (!provider) throw new WalletMissingError();
  const accounts = (await provider.request({ method: 'eth_requestAccounts' })) as string[];
  if (!accounts?.length) throw new Error('The wallet shared no account.');
  return { provider, address: getAddress(accounts[0]) };
}

/** EIP-191 personal_sign of a text message. */
export async function personalSign(provider: Eip1193Provider, address: string, message: string): Promise<string> {
  const hex = `0x${[...new TextEncoder().encode(message)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  return (await provider.request({ method: 'personal_sign', params: [hex, address] })) as string;
}

/** EIP-712 typed-data signature (eth_signTypedData_v4). */
export async function signTypedData(provider: Eip1193Provider, address: string, typed: unknown): Promise<string> {
  return (await provider.request({ method: 'eth_signTypedData_v4', params: [address, JSON.stringify(typed)] })) as string;
}
