export * from './text-column.js';
export * from './duckdb.js';
export * from './row-subset.js';
