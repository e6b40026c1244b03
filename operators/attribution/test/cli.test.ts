import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDatanetCli } from '@datanet/pipelines/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSpanIndex } from '../src/index.js';
import { syntheticDocs } from './synthetic-corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'attribute-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runDatanetCli(['--state-dir', join(dir, 'state'), ...args]);

describe('datanet attribute (the real CLI)', () => {
  const docs = syntheticDocs(100, { vocab: 300 });
  buildSpanIndex(docs, { outDir: join(dir, 'index') });
  const copied = docs[17].text.split(' ').slice(2, 30).join(' ');

  it('prints the evidence spans and their contribution', () => {
    const human = cli('attribute', '--index', join(dir, 'index'), copied);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(docs[17].contributionId);
    expect(human.stdout).toMatch(/tokens, \d+ occurrence/);
    const json = cli('--json', 'attribute', '--index', join(dir, 'index'), '--top', '1', copied);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.attributions).toHaveLength(1);
    expect(doc.attributions[0].contributionId).toBe(docs[17].contributionId);
    expect(doc.attributions[0].evidence[0].length).toBeGreaterThanOrEqual(6);
  });

  it('exits 2 on a bad flag value and 1 on a missing index', () => {
    expect(cli('attribute', '--index', join(dir, 'index'), '--min-tokens', 'zero', 'x').code).toBe(2);
    const missing = cli('attribute', '--index', join(dir, 'nope'), 'x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist: give an index folder/);
  });
});
