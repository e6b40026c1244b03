import { defineConfig } from 'vitest/config';

// Review tests start PGlite, PostgreSQL clients and real processes on a small shared machine.
export default defineConfig({ test: { testTimeout: 300_000, hookTimeout: 120_000 } });
