import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_DIR, compileContracts, serialiseBuild } from '../src/contracts/compile-contracts.js';

describe('committed contract build', () => {
  it('matches a fresh compile of contracts/*.sol (run `npm run compile` in connectors/evm if this fails)', async () => {
    const builds = await compileContracts();
    const committed = readdirSync(BUILD_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(committed).toEqual(
      Object.keys(builds)
        .map((n) => `${n}.json`)
        .sort(),
    );
    for (const [name, build] of Object.entries(builds)) {
      const onDisk = readFileSync(join(BUILD_DIR, `${name}.json`), 'utf8');
      expect(onDisk, `build/${name}.json is stale`).toBe(serialiseBuild(build));
    }
    expect(builds.RewardDistributor.compiler.version).toMatch(/^0\.8\.28\+/);
  }, 60_000);
});
