import { describe, expect, it } from 'vitest';
import { Table, Utf8, vectorFromArray, Int32 } from 'apache-arrow';
import { z } from 'zod';
import { defineOperator } from '../src/index.js';
import { runOperator } from '../src/testing/index.js';

const upper = defineOperator({
  type: 'test.upper',
  version: '1',
  description: 'upper-cases a column',
  config: z.object({ column: z.string().default('text') }).strict(),
  inputs: { table: { kind: 'table', schema: (c) => ({ columns: { [c.column]: 'utf8' } }) } },
  outputs: { table: { kind: 'table', schema: (c) => ({ columns: { [c.column]: 'utf8', length: 'int32' } }) } },
  async run(ctx) {
    const t = await ctx.input('table').readTable();
    const values = t.getChild(ctx.config.column)!.toArray() as string[];
    await ctx.output('table').writeTable(
      new Table({
        [ctx.config.column]: vectorFromArray(
          values.map((v) => v.toUpperCase()),
          new Utf8(),
        ),
        length: vectorFromArray(
          values.map((v) => v.length),
          new Int32(),
        ),
      }),
    );
  },
});

describe('runOperator', () => {
  it('runs an operator through the artifact store and checks its output schema', async () => {
    const input = new Table({ text: vectorFromArray(['a', 'bc'], new Utf8()) });
    const { outputs } = await runOperator(upper, { inputs: { table: input } });
    expect(outputs.table.ref.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(outputs.table.table!.getChild('text')!.toArray()).toEqual(['A', 'BC']);
    expect(outputs.table.ref.meta.rows).toBe(2);
  });

  it('gives the same digest for the same output', async () => {
    const input = new Table({ text: vectorFromArray(['x'], new Utf8()) });
    const a = await runOperator(upper, { inputs: { table: input } });
    const b = await runOperator(upper, { inputs: { table: input } });
    expect(a.outputs.table.ref.digest).toBe(b.outputs.table.ref.digest);
  });

  it('rejects a config that breaks the schema, naming the field', async () => {
    await expect(runOperator(upper, { config: { colum: 'x' } })).rejects.toThrow(/unknown field\(s\) "colum"/);
  });

  it('fails an output that breaks its declared schema', async () => {
    const bad = defineOperator({
      ...upper,
      type: 'test.bad',
      async run(ctx) {
        await ctx.output('table').writeTable(new Table({ text: vectorFromArray(['a'], new Utf8()) }));
      },
    });
    await expect(runOperator(bad, { inputs: { table: new Table({ text: vectorFromArray(['a'], new Utf8()) }) } })).rejects.toThrow(
      /missing column "length"/,
    );
  });
});
