import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The connector's folder: contracts/ and build/ live beside src/. */
export const EVM_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CONTRACTS_DIR = join(EVM_PACKAGE_DIR, 'contracts');
export const BUILD_DIR = join(EVM_PACKAGE_DIR, 'build');

/**
 * Hardhat 2's EVM and most production chains support Cancun; solc 0.8.28 would otherwise target a
 * newer fork whose opcodes (e.g. from Prague) an older node rejects.
 */
export const EVM_VERSION = 'cancun';

/** What `build/<Name>.json` holds. */
export interface ContractBuild {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  compiler: { version: string; evmVersion: string; optimizer: { enabled: boolean; runs: number } };
}

const require = createRequire(import.meta.url);

function readImport(path: string): { contents: string } | { error: string } {
  try {
    // Imports like `@openzeppelin/contracts/...` resolve from node_modules, so the pinned package
    // version is what gets compiled, never a downloaded copy.
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  } catch {
    return { error: `cannot resolve import "${path}" from node_modules` };
  }
}

/** Compiles every `contracts/*.sol` with the pinned solc-js and returns the builds by contract name. */
export async function compileContracts(): Promise<Record<string, ContractBuild>> {
  const solc = (await import('solc')).default as {
    compile(input: string, opts: { import: (p: string) => unknown }): string;
    version(): string;
  };
  const sources: Record<string, { content: string }> = {};
  for (const file of readdirSync(CONTRACTS_DIR)
    .filter((f) => f.endsWith('.sol'))
    .sort()) {
    sources[`contracts/${file}`] = { content: readFileSync(join(CONTRACTS_DIR, file), 'utf8') };
  }
  const optimizer = { enabled: true, runs: 10_000 };
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: readImport }));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
  if (errors.length) {
    throw new Error(`solc failed:\n${errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('\n')}`);
  }
  const builds: Record<string, ContractBuild> = {};
  for (const sourceName of Object.keys(sources)) {
    for (const [contractName, c] of Object.entries<any>(output.contracts[sourceName] ?? {})) {
      builds[contractName] = {
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        compiler: { version: solc.version(), evmVersion: EVM_VERSION, optimizer },
      };
    }
  }
  return builds;
}

/** The serialised form committed under build/: stable key order and a trailing newline. */
export function serialiseBuild(build: ContractBuild): string {
  return `${JSON.stringify(build, null, 2)}\n`;
}
