import { defineConfig } from 'vitest/config';

// The shared 2-core machine is often saturated by other packages' tests: DuckDB builds that take
// a second alone can take ten there.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
