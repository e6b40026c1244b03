import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquetFile } from '@datanet/pipelines';
import { runOperator } from '@datanet/pipelines/testing';
import { tableSql } from '../src/index.js';

const BIN = resolve(import.meta.dirname, '../../../pipelines/bin/datanet.mjs');
const INJECTION = "x' as note, (select content from read_text('/etc/hostname')) as injected, '";

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('node', [BIN, ...args], { maxBuffer: 1 << 24, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const SECRET = 'sk-live-9f8e7d6c5b4a3210zyxwvutsrqponmlkjihgfedcba0123456789';

/** Prefixes and suffixes of 6+ characters of the secret found in a text (what a cut excerpt leaves). */
function leakedPieces(text: string): string[] {
  const found: string[] = [];
  for (let n = 6; n <= SECRET.length; n++) {
    if (text.includes(SECRET.slice(0, n))) found.push(SECRET.slice(0, n));
    if (text.includes(SECRET.slice(-n))) found.push(SECRET.slice(-n));
  }
  return found;
}

function filesUnder(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) parts.push(readFileSync(join(d, e.name)));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

describe('table.sql takes parameters as bound values', () => {
  it('binds params as data: a quote-laden value is a string, not SQL', async () => {
    const input = new Table({ id: vectorFromArray(['a', 'b'], new Utf8()) });
    const { outputs } = await runOperator(tableSql, {
      config: { query: 'select id, $note as note from input order by id', params: { note: INJECTION } },
      inputs: { input },
    });
    const t = outputs.table.table!;
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'note']);
    expect(String(t.getChild('note')!.get(0))).toBe(INJECTION);
  });

  it('the CLI refuses a parameter pasted into SQL and runs the bound form with the hostile value as data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'table-sql-params-'));
    writeFileSync(join(dir, 'rows.jsonl'), '{"id":"a"}\n');
    const head = `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: params-as-data\nparameters:\n  note: { type: string, default: hello }\nsteps:\n  rows:\n    uses: table.read\n    with: { path: ${join(dir, 'rows.jsonl')} }\n`;
    const pasted = join(dir, 'pasted.yaml');
    writeFileSync(
      pasted,
      `${head}  notes:\n    uses: table.sql\n    needs: [rows.table]\n    with: { query: "select '\${{ params.note }}' as note from input" }\n`,
    );
    const refused = await cli(['validate', pasted]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /pasted\.yaml:\d+:\d+: step "notes": parameter "note" is pasted into SQL \(with\.query\); parameters are data: write \$note/,
    );

    const bound = join(dir, 'bound.yaml');
    writeFileSync(
      bound,
      `${head}  notes:\n    uses: table.sql\n    needs: [rows.table]\n    with:\n      query: "select $note as note, * from input"\n      params: { note: "\${{ params.note }}" }\n`,
    );
    const ran = await cli(['--state-dir', join(dir, 'state'), '--json', 'run', bound, '-q', '--param', `note=${INJECTION}`]);
    expect(ran.code, ran.stderr).toBe(0);
    const summary = JSON.parse(ran.stdout) as { steps: { id: string; outputs: { table: { path: string } } }[] };
    const t = await readParquetFile(summary.steps.find((s) => s.id === 'notes')!.outputs.table.path);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['note', 'id']);
    expect(String(t.getChild('note')!.get(0))).toBe(INJECTION);
  }, 600_000);

  it('a secret in failing DuckDB SQL, cut short by its excerpt, reaches no output: stderr, --json, show, lineage, the trace, the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'table-sql-secret-'));
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'rows.jsonl'), '{"id":"a"}\n');
    // Two failures DuckDB reports with an excerpt that cuts the secret: its start (a long line
    // before the error) and, with retries, its end.
    const file = join(dir, 'secret.yaml');
    writeFileSync(
      file,
      `apiVersion: datanet/v1\nkind: Pipeline\nmetadata:\n  name: secret-sql\nsteps:\n  rows:\n    uses: table.read\n    with: { path: ${join(dir, 'rows.jsonl')} }\n` +
        `  cut:\n    uses: table.sql\n    needs: [rows.table]\n    with: { query: "select 1 as ${'a'.repeat(60)}, '\${{ secrets.W6_DUCK }}' as tok, from from input" }\n` +
        `  convert:\n    uses: table.sql\n    needs: [rows.table]\n    with: { query: "select '\${{ secrets.W6_DUCK }}'::int as n from input" }\n`,
    );
    const env = { DATANET_SECRET_W6_DUCK: SECRET };
    const ran = await cli(['--state-dir', state, '--json', 'run', file, '-q'], env);
    expect(ran.code).toBe(1);
    expect(ran.stdout + ran.stderr).toMatch(/Parser Error|Conversion Error/);
    const runId = (JSON.parse(ran.stdout) as { runId: string }).runId;
    const show = await cli(['--state-dir', state, '--json', 'show', runId]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/\*\*\*/);
    const showText = await cli(['--state-dir', state, 'show', runId]);
    const lineage = await cli(['--state-dir', state, 'lineage', runId]);
    expect(lineage.code, lineage.stderr).toBe(0);
    expect(lineage.stdout).toContain('FAIL');
    // The trace, as an OTLP/HTTP collector receives it.
    const received: Buffer[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const trace = await cli(['--state-dir', state, 'trace', runId, '--otlp-url', `http://127.0.0.1:${port}`]);
    server.close();
    expect(trace.code, trace.stderr).toBe(0);
    expect(received.length).toBeGreaterThan(0);
    const everything = [
      ran.stdout,
      ran.stderr,
      show.stdout,
      show.stderr,
      showText.stdout,
      showText.stderr,
      lineage.stdout,
      lineage.stderr,
      trace.stdout,
      trace.stderr,
      Buffer.concat(received).toString('latin1'),
      filesUnder(state).toString('latin1'),
    ].join('\n');
    expect(leakedPieces(everything)).toEqual([]);
  }, 900_000);
});

describe('table.read binds params in where', () => {
  it('filters with a bound value that carries SQL as plain data', async () => {
    const { mkdtempSync: mk, writeFileSync: wf } = await import('node:fs');
    const d = mk(join(tmpdir(), 'table-read-params-'));
    wf(join(d, 'rows.jsonl'), `{"id":"a"}\n{"id":"${INJECTION.replace(/"/g, '\\"')}"}\n`);
    const { tableRead } = await import('../src/index.js');
    const prev = process.cwd();
    process.chdir(d);
    try {
      const { outputs } = await runOperator(tableRead, { config: { path: 'rows.jsonl', where: 'id = $id', params: { id: INJECTION } } });
      expect(outputs.table.table!.getChild('id')!.toArray()).toEqual([INJECTION]);
    } finally {
      process.chdir(prev);
    }
  });
});
