export * from './operator/define-operator.js';
export type * from './operator/operator-context.js';
export * from './cli/cli-env.js';
