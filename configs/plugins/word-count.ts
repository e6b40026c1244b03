// An operator written outside the operator packages and loaded with `plugins:` in a pipeline or a
// profile: nothing in datanet registers it. Copy this file to start your own operator.
import { makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';

export const wordCount = defineOperator({
  type: 'example.word-count',
  version: '1',
  description: 'Counts the words of a text column and the share of them that are unique',
  config: z
    .object({
      textColumn: z.string().default('text'),
      idColumn: z.string().default('path'),
    })
    .strict(),
  inputs: { table: { kind: 'table', schema: (c) => ({ columns: { [c.textColumn]: 'utf8', [c.idColumn]: 'utf8' } }) } },
  outputs: {
    table: { kind: 'table', schema: (c) => ({ columns: { [c.idColumn]: 'utf8', words: 'int32', unique_ratio: 'float64' }, open: false }) },
  },
  async run(ctx) {
    const table = await ctx.input('table').readTable();
    const ids = table.getChild(ctx.config.idColumn)!;
    const texts = table.getChild(ctx.config.textColumn)!;
    const outIds: string[] = [];
    const words = new Int32Array(table.numRows);
    const unique = new Float64Array(table.numRows);
    for (let i = 0; i < table.numRows; i++) {
      ctx.signal.throwIfAborted();
      const tokens =
        String(texts.get(i) ?? '')
          .toLowerCase()
          .match(/[\p{L}\p{N}']+/gu) ?? [];
      outIds.push(String(ids.get(i)));
      words[i] = tokens.length;
      unique[i] = tokens.length ? new Set(tokens).size / tokens.length : 0;
    }
    await ctx.output('table').writeTable(
      new Table({
        [ctx.config.idColumn]: vectorFromArray(outIds, new Utf8()),
        words: makeVector(words),
        unique_ratio: makeVector(unique),
      }),
    );
  },
});
