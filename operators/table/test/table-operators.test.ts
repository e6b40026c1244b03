import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOperator, corpusPath, corpusSkipReason } from '@datanet/pipelines/testing';
import { tableRead, tableWrite } from '../src/index.js';

function dir() {
  return mkdtempSync(join(tmpdir(), 'table-op-'));
}

async function read(config: Record<string, unknown>, cwd: string) {
  const prev = process.cwd();
  process.chdir(cwd); // runOperator resolves relative paths against the working folder
  try {
    const { outputs } = await runOperator(tableRead, { config });
    return outputs.table.table!;
  } finally {
    process.chdir(prev);
  }
}

describe('table.read', () => {
  it('reads JSONL files matched by a glob, in file order', async () => {
    const d = dir();
    writeFileSync(join(d, 'b.jsonl'), '{"id":"b1","n":2}\n');
    writeFileSync(join(d, 'a.jsonl'), '{"id":"a1","n":1}\n{"id":"a2","n":3}\n');
    const t = await read({ path: '*.jsonl', filenameColumn: 'file' }, d);
    expect(t.getChild('id')!.toArray()).toEqual(['a1', 'a2', 'b1']);
    expect(String(t.getChild('file')!.get(2))).toMatch(/b\.jsonl$/);
  });

  it('reads CSV with a filter, selected columns and a limit', async () => {
    const d = dir();
    writeFileSync(join(d, 'x.csv'), 'id,score,text\n1,0.5,a\n2,0.9,b\n3,0.95,c\n');
    const t = await read({ path: 'x.csv', columns: ['id', 'text'], where: 'score > 0.6', limit: 1 }, d);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'text']);
    expect(t.getChild('text')!.toArray()).toEqual(['b']);
  });

  it('reads text files as (path, text) rows', async () => {
    const d = dir();
    mkdirSync(join(d, 'docs'));
    writeFileSync(join(d, 'docs', 'one.md'), '# One\nhello');
    const t = await read({ path: 'docs/**/*.md', format: 'text' }, d);
    expect(t.numRows).toBe(1);
    expect(t.getChild('text')!.get(0)).toBe('# One\nhello');
  });

  it('says clearly when nothing matches', async () => {
    await expect(read({ path: 'nope/*.jsonl' }, dir())).rejects.toThrow(/nothing matches nope\/\*\.jsonl/);
  });

  it('names the file that does not parse', async () => {
    const d = dir();
    writeFileSync(join(d, 'bad.jsonl'), '{"id": 1}\n{not json\n');
    await expect(read({ path: 'bad.jsonl' }, d)).rejects.toThrow(/table\.read: .*bad\.jsonl: /);
  });

  const medquad = corpusPath('medquad/medquad_with_answers.jsonl.gz');
  it.skipIf(!medquad)(`reads MedQuAD (gzipped JSONL) ${medquad ? '' : corpusSkipReason('medquad')}`, async () => {
    const t = await read({ path: medquad!, columns: ['id', 'source', 'question', 'answer'] }, dir());
    expect(t.numRows).toBe(16407);
    expect(new Set(t.getChild('source')!.toArray() as string[]).size).toBe(9);
  });
});

describe('table.write', () => {
  it('writes JSONL, CSV and Parquet, and the round trip keeps the rows', async () => {
    const d = dir();
    writeFileSync(join(d, 'in.jsonl'), '{"id":"a","n":1}\n{"id":"b","n":2}\n');
    const prev = process.cwd();
    process.chdir(d);
    try {
      const { outputs } = await runOperator(tableRead, { config: { path: 'in.jsonl' } });
      for (const name of ['out.jsonl', 'out.csv', 'out.parquet']) {
        const res = await runOperator(tableWrite, { config: { path: join(d, name) }, inputs: { table: outputs.table.ref } });
        expect(res.outputs.file.ref.meta.target).toBe(join(d, name));
      }
      expect(readFileSync(join(d, 'out.csv'), 'utf8')).toBe('id,n\na,1\nb,2\n');
      expect(
        readFileSync(join(d, 'out.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual([
        { id: 'a', n: 1 },
        { id: 'b', n: 2 },
      ]);
      const back = await runOperator(tableRead, { config: { path: join(d, 'out.parquet') } });
      expect(back.outputs.table.table!.getChild('id')!.toArray()).toEqual(['a', 'b']);
      await expect(runOperator(tableWrite, { config: { path: join(d, 'out.txt') }, inputs: { table: outputs.table.ref } })).rejects.toThrow(
        /cannot tell the format/,
      );
    } finally {
      process.chdir(prev);
    }
  });
});

describe('table.sql', () => {
  it('runs DuckDB SQL over its inputs, joining two tables', async () => {
    const { tableSql } = await import('../src/index.js');
    const { Table, Utf8, vectorFromArray } = await import('apache-arrow');
    const docs = new Table({
      path: vectorFromArray(['a/x.md', 'b/y.md'], new Utf8()),
      text: vectorFromArray(['one\n\ntwo', 'three'], new Utf8()),
    });
    const owners = new Table({
      path: vectorFromArray(['a/x.md', 'b/y.md'], new Utf8()),
      owner: vectorFromArray(['ann', 'bob'], new Utf8()),
    });
    const { outputs } = await runOperator(tableSql, {
      config: {
        query:
          'select o.owner, unnest(string_split(i.text, chr(10) || chr(10))) as para from input i join other o using (path) order by owner, para',
      },
      inputs: { input: docs, other: owners },
    });
    const t = outputs.table.table!;
    expect(t.getChild('owner')!.toArray()).toEqual(['ann', 'ann', 'bob']);
    expect(t.getChild('para')!.toArray()).toEqual(['one', 'two', 'three']);
    await expect(runOperator(tableSql, { config: { query: 'select nope from input' }, inputs: { input: docs } })).rejects.toThrow(
      /table\.sql: .*nope/,
    );
  });
});
