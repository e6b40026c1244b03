import { withDuckDb } from '@datanet/connector-duckdb';
import { parquetScan, type TableSource } from './table-inputs.js';

/** The one Datanet id in the tables' `datanet` column, or undefined when there is none or several. */
export async function inferDatanet(sources: TableSource[]): Promise<string | undefined> {
  if (!sources.length) return undefined;
  return withDuckDb(
    async (session) => {
      await session.exec(`create view t as ${parquetScan(sources)}`);
      const columns = await session.all<{ column_name: string }>('describe t');
      if (!columns.some((c) => c.column_name === 'datanet')) return undefined;
      const ids = await session.all<{ d: string }>(
        'select distinct cast(datanet as varchar) as d from t where datanet is not null limit 2',
      );
      return ids.length === 1 ? ids[0].d : undefined;
    },
    { threads: 1 },
  );
}
