import { defineConfig } from 'vitest/config';

// Accountability tests start PGlite, PostgreSQL clients, the embedded chain and real processes on a small shared machine.
export default defineConfig({ test: { testTimeout: 300_000, hookTimeout: 120_000 } });
