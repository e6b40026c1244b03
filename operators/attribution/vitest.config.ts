import { defineConfig } from 'vitest/config';

// The machine is shared by several engineers' test runs: DB-backed tests get room.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
