import type { Table } from 'apache-arrow';
import type { IndexRow } from '../index-build/build-index.js';

/**
 * The text of each dataset row: `text`, or `prompt` + newline + `response` (dataset.build's qa kind).
 * Errors name the columns the table has.
 */
export function* datasetRows(table: Table, where: string): Generator<IndexRow> {
  const names = table.schema.fields.map((f) => f.name);
  const col = (n: string) => table.getChild(n);
  const id = col('contribution_id');
  const contributor = col('contributor');
  if (!id || !contributor) throw new Error(`${where}: needs columns contribution_id and contributor (it has: ${names.join(', ')})`);
  const text = col('text');
  const prompt = col('prompt');
  const response = col('response');
  if (!text && !(prompt && response))
    throw new Error(`${where}: needs a text column, or prompt and response (it has: ${names.join(', ')})`);
  for (let i = 0; i < table.numRows; i++) {
    yield {
      contributionId: String(id.get(i) ?? ''),
      contributor: String(contributor.get(i) ?? ''),
      text: text ? String(text.get(i) ?? '') : `${prompt!.get(i) ?? ''}\n${response!.get(i) ?? ''}`,
    };
  }
}
