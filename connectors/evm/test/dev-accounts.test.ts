import { createRequire } from 'node:module';
import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { devGenesisAccounts } from '../src/chain/dev-accounts.js';
import { devAccountKeys } from '../src/index.js';

const require = createRequire(import.meta.url);

describe('the embedded chain development accounts', () => {
  it("are hardhat's own derivation of its default mnemonic: same keys, order and balances", () => {
    const { defaultHardhatNetworkParams } = require('hardhat/internal/core/config/default-config');
    const { normalizeHardhatNetworkAccountsConfig } = require('hardhat/internal/core/providers/util');
    const hardhat = normalizeHardhatNetworkAccountsConfig(defaultHardhatNetworkParams.accounts);
    expect(devGenesisAccounts()).toEqual(hardhat);
    expect(devAccountKeys()).toEqual(hardhat.map((a: { privateKey: string }) => a.privateKey));
  });

  it('start with the well-known deployer account, so deployments keep their addresses', () => {
    expect(new Wallet(devAccountKeys()[0]).address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect(devAccountKeys()).toHaveLength(20);
  });

  it('hand each caller its own copies', () => {
    const a = devGenesisAccounts();
    a[0].balance = '0';
    expect(devGenesisAccounts()[0].balance).not.toBe('0');
  });
});
