#!/usr/bin/env node
// The `datanet` CLI. Sources are TypeScript run through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Flush stdout before exiting: a pipe may still hold a large --json document.
process.stdout.write('', () => process.exit(code));
