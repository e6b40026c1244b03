export * from './test-db.js';
export * from './corpus.js';
