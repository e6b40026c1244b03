import { defineConfig } from 'vitest/config';

// Operator tests start PGlite and DuckDB on a small shared machine: seconds, not milliseconds.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } });
