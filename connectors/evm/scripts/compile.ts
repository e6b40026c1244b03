import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, compileContracts, serialiseBuild } from '../src/contracts/compile-contracts.js';

// Regenerates build/*.json; the stale-build test fails until this has been run after a source edit.
const builds = await compileContracts();
mkdirSync(BUILD_DIR, { recursive: true });
for (const build of Object.values(builds)) {
  writeFileSync(join(BUILD_DIR, `${build.contractName}.json`), serialiseBuild(build));
  console.log(`build/${build.contractName}.json (${(build.deployedBytecode.length - 2) / 2} bytes deployed)`);
}
