import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { BUILD_DIR, type ContractBuild } from './compile-contracts.js';

export type ContractName = 'DatanetRegistry' | 'RewardDistributor' | 'DatanetTestToken';

const cache = new Map<string, ContractBuild>();

/** The committed build of one contract (ABI + bytecode from build/). */
export function loadBuild(name: ContractName): ContractBuild {
  let build = cache.get(name);
  if (!build) {
    build = JSON.parse(readFileSync(join(BUILD_DIR, `${name}.json`), 'utf8')) as ContractBuild;
    cache.set(name, build);
  }
  return build;
}

/** ABIs of all our contracts, for decoding custom errors whichever contract raised them. */
export function allInterfaces(): Interface[] {
  return (['DatanetRegistry', 'RewardDistributor', 'DatanetTestToken'] as const).map((n) => new Interface(loadBuild(n).abi as never));
}
