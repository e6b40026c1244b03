export * from './operator/define-operator.js';
export type * from './operator/operator-context.js';
export * from './cli/cli-env.js';
export { ArtifactStore } from './artifact/artifact-store.js';
export { tableToParquet, parquetToTable, readParquetFile, describeSchema } from './artifact/table-io.js';
export { utf8Vector } from './artifact/utf8-vector.js';
export { canonicalJson, sha256Hex, sha256File } from './util/hash.js';
export { migrateToLatest } from './store/migrate.js';
export { recordSignal } from './wait/wait-store.js';
export { runChildProcess, type ChildResult } from './exec/child-process.js';
export {
  runKernel,
  closeKernelPool,
  kernelThreads,
  warmServiceKernel,
  type KernelContext,
  type KernelOptions,
} from './compute/kernel-pool.js';
export { DatanetError, NonRetryableError, StepTimeoutError, RunCancelledError, StepConfigError, isRetryable } from './exec/errors.js';
export type { RunStatus, StepStatus, StepPhase } from './store/statuses.js';
export { RUN_STATUSES, STEP_STATUSES, STEP_PHASES } from './store/statuses.js';
export { RunReader, RunLookupError } from './read/run-reader.js';
export type { RunView, StepView, OutputView, AttemptView, EventView, RunFilter } from './read/run-reader.js';
