import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built by scripts/ensure-build.mjs (on `datanet serve` when stale). The graph and chart libraries
// are imported lazily by the pages that draw them, so the first page loads without them.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1500,
  },
});
