// A Datanet's steward launches, over POST /api/runs, any pipeline that declares a `datanet`
// parameter, naming their own Datanet. What such a run writes that outlives it (the persistent
// dedupe indexes, the registered model's name, the Datanet a step records for) must then be that
// Datanet's: a name fixed to another Datanet let the run write into the other one's state.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../src/spec/compile-pipeline.js';
import { REPO } from './server-helpers.js';

const PIPELINES = join(REPO, 'configs', 'pipelines');
const DATANETS = readdirSync(join(REPO, 'configs', 'datanets'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => (parse(readFileSync(join(REPO, 'configs', 'datanets', f), 'utf8')) as { id: string }).id);
// Step settings that name state kept beyond the run, shared by every run that names it.
const STATE_KEYS = new Set(['datanet', 'index', 'modelName']);

/** Each `key: value` of a step's settings, nested ones included. */
function* settings(v: unknown, key = ''): Generator<[string, unknown]> {
  if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) yield* settings(c, k);
  else yield [key, v];
}

describe("a run a Datanet's steward may launch writes only that Datanet's state", () => {
  const launchable = readdirSync(PIPELINES)
    .filter((f) => f.endsWith('.yaml'))
    .filter((f) => (parse(readFileSync(join(PIPELINES, f), 'utf8')) as { parameters?: Record<string, unknown> }).parameters?.datanet);

  it.each(launchable)(
    '%s, launched for another Datanet, names none of the state of the one it defaults to',
    async (file) => {
      expect(DATANETS.length).toBeGreaterThan(1);
      const wrong: string[] = [];
      for (const launched of DATANETS) {
        const { graph, diagnostics } = await compilePipeline(join(PIPELINES, file), { params: { datanet: launched } });
        expect(diagnostics).toEqual([]);
        for (const [id, step] of graph!.steps)
          for (const [key, value] of settings(step.config))
            if (STATE_KEYS.has(key) && typeof value === 'string')
              for (const other of DATANETS.filter((d) => d !== launched && !launched.includes(d)))
                if (value.includes(other)) wrong.push(`datanet=${launched}: step ${id} ${key}: ${value}`);
      }
      expect(wrong).toEqual([]);
    },
    120_000,
  );
});
