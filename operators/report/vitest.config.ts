import { defineConfig } from 'vitest/config';

// Report tests start PGlite, DuckDB and Chromium on a small shared machine: seconds, not milliseconds.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } });
