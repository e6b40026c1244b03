// `npm run bench -- NAME [NAME...]` runs bench/NAME.bench.ts and writes bench/results/NAME.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeMachine } from './machine.js';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const names = process.argv.slice(2).length ? process.argv.slice(2) : available;
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
  const mod = await import(pathToFileURL(join(here, `${name}.bench.ts`)).href);
  const started = new Date().toISOString();
  console.log(`bench ${name}: running`);
  const results = await mod.run();
  const out = { benchmark: name, started, finished: new Date().toISOString(), machine: describeMachine(), results };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
}
process.exit(0);
