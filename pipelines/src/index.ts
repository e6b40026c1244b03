export * from './operator/define-operator.js';
export type * from './operator/operator-context.js';
export * from './cli/cli-env.js';
export { ArtifactStore } from './artifact/artifact-store.js';
export { tableToParquet, parquetToTable, readParquetFile, describeSchema } from './artifact/table-io.js';
export { canonicalJson, sha256Hex, sha256File } from './util/hash.js';
export { migrateToLatest } from './store/migrate.js';
export { runChildProcess } from './exec/child-process.js';
export { runKernel, closeKernelPool, kernelThreads, type KernelContext, type KernelOptions } from './compute/kernel-pool.js';
