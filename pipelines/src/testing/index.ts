export * from './test-db.js';
export * from './corpus.js';
export * from './run-operator.js';
export * from './run-cli.js';
export * from './serve-process.js';
export * from './sign-in.js';
