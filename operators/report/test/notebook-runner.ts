import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from './cli.js';

const NOTEBOOK = join(REPO_ROOT, 'notebooks/datanet-quality.ipynb');
const NBCONVERT = '/usr/bin/jupyter-nbconvert';

function tslabKernel(): boolean {
  try {
    const out = execFileSync('/usr/bin/python3', ['-m', 'jupyter', 'kernelspec', 'list', '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return 'tslab' in JSON.parse(out).kernelspecs;
  } catch {
    return false;
  }
}

const missing = !existsSync(NBCONVERT)
  ? `${NBCONVERT} is not installed`
  : !tslabKernel()
    ? 'the tslab Jupyter kernel is not registered'
    : '';
export const notebookSkip = missing && process.env.CI !== 'true' ? `${missing} (run .ci/setup-system.sh)` : false;

export interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
}

/** Executes the notebook headlessly like CI does; nbconvert exits non-zero on any cell error. */
export function executeNotebook(env: Record<string, string>, outDir: string): Output[] {
  const r = spawnSync(NBCONVERT, ['--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=180', '--output-dir', outDir, NOTEBOOK], {
    env: { ...process.env, DATANET_TABLES_DIR: '', DATANET_STATE_DIR: '', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const nb = JSON.parse(readFileSync(join(outDir, 'datanet-quality.ipynb'), 'utf8')) as {
    cells: { cell_type: string; outputs?: Output[] }[];
  };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
  return outputs;
}

export const outputText = (outputs: Output[]) => outputs.map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? ''))).join('');
