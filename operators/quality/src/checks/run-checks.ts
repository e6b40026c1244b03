import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlString, withDuckDb } from '@datanet/connector-duckdb';
import type { CheckResult, CheckSpec, CheckSuite } from './check-spec.js';

const SAMPLE = 20;

const TYPE_FAMILIES: Record<string, RegExp> = {
  integer: /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/,
  float: /^(FLOAT|DOUBLE|DECIMAL.*)$/,
  number: /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/,
  string: /^VARCHAR$/,
  boolean: /^BOOLEAN$/,
  date: /^DATE$/,
  timestamp: /^TIMESTAMP.*$/,
};

function literal(v: string | number | boolean): string {
  return typeof v === 'string' ? sqlString(v) : String(v);
}

function boundsSql(expr: string, c: { min?: number; max?: number; strictMin: boolean; strictMax: boolean }): string {
  const parts: string[] = [];
  if (c.min !== undefined) parts.push(`${expr} ${c.strictMin ? '>' : '>='} ${c.min}`);
  if (c.max !== undefined) parts.push(`${expr} ${c.strictMax ? '<' : '<='} ${c.max}`);
  return parts.length ? parts.join(' and ') : 'true';
}

function inBounds(v: number, c: { min?: number; max?: number; strictMin: boolean; strictMax: boolean }): boolean {
  if (c.min !== undefined && (c.strictMin ? !(v > c.min) : !(v >= c.min))) return false;
  if (c.max !== undefined && (c.strictMax ? !(v < c.max) : !(v <= c.max))) return false;
  return true;
}

/** The condition a non-null value must meet, as SQL over column expression `col`. */
function expectation(spec: CheckSpec, col: string): string | undefined {
  switch (spec.check) {
    case 'in_set':
      return `${col} in (${spec.values.map(literal).join(', ')})`;
    case 'regex':
      return `regexp_matches(cast(${col} as varchar), ${sqlString(spec.pattern)})`;
    case 'between':
      return boundsSql(col, spec);
    case 'length_between':
      return boundsSql(`length(cast(${col} as varchar))`, spec);
    case 'unique':
      return `${col} not in (select ${col} from t where ${col} is not null group by ${col} having count(*) > 1)`;
    default:
      return undefined;
  }
}

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));
const plain = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);

async function rows(conn: DuckDBConnection, q: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(q)).getRowObjects() as Record<string, unknown>[];
}

async function runOne(conn: DuckDBConnection, spec: CheckSpec, columns: Map<string, string>, rowCount: number): Promise<CheckResult> {
  const column = 'column' in spec ? spec.column : undefined;
  const base = {
    name: spec.name ?? `${spec.check}${column ? ` ${column}` : ''}`,
    check: spec.check,
    column,
    severity: spec.severity,
  } as const;
  if (spec.check === 'row_count_between') return { ...base, success: inBounds(rowCount, spec), observed_value: rowCount };
  if (column === undefined) throw new Error('unreachable');
  if (!columns.has(column)) {
    const known = [...columns.keys()].join(', ');
    return {
      ...base,
      success: false,
      ...(spec.check === 'column_exists' ? { observed_value: false } : { error: `no column "${column}"; columns are: ${known}` }),
    };
  }
  if (spec.check === 'column_exists') return { ...base, success: true, observed_value: true };
  const col = sqlIdent(column);
  if (spec.check === 'type') {
    const observed = columns.get(column)!;
    return { ...base, success: TYPE_FAMILIES[spec.type].test(observed), observed_value: observed };
  }
  const [counts] = await rows(conn, `select count(*) as n, count(${col}) as present from t`);
  const element = num(counts.n);
  const present = num(counts.present);
  const missing = element - present;
  if (spec.check === 'mean_between') {
    const [m] = await rows(conn, `select avg(${col}) as mean from t`);
    const mean = m.mean === null ? null : num(m.mean);
    return {
      ...base,
      success: mean !== null && inBounds(mean, spec),
      observed_value: mean,
      element_count: element,
      missing_count: missing,
    };
  }
  let bad: string;
  let denominator: number;
  if (spec.check === 'not_null') {
    bad = `${col} is null`;
    denominator = element;
  } else {
    bad = `${col} is not null and not (${expectation(spec, col)})`;
    denominator = present;
  }
  const [u] = await rows(conn, `select count(*) as k from t where ${bad}`);
  const unexpected = num(u.k);
  const sample = await rows(conn, `select ${col} as v, file_row_number as i from t where ${bad} order by file_row_number limit ${SAMPLE}`);
  const fraction = denominator === 0 ? 0 : unexpected / denominator;
  return {
    ...base,
    success: denominator === 0 || 1 - fraction >= spec.mostly,
    element_count: element,
    missing_count: missing,
    unexpected_count: unexpected,
    unexpected_percent: fraction * 100,
    partial_unexpected_list: sample.map((r) => plain(r.v)),
    partial_unexpected_index_list: sample.map((r) => num(r.i)),
  };
}

/** Runs a suite over a Parquet file in DuckDB; a check that cannot run fails with its reason. */
export async function runChecks(
  parquetPath: string,
  suite: CheckSuite,
): Promise<{ success: boolean; results: CheckResult[]; rowCount: number }> {
  return withDuckDb(
    async ({ connection: conn }) => {
      await conn.run(`create table t as select * from read_parquet(${sqlString(parquetPath)}, file_row_number = true)`);
      const described = await rows(conn, `select column_name, column_type from (describe t)`);
      const columns = new Map(
        described.filter((r) => r.column_name !== 'file_row_number').map((r) => [String(r.column_name), String(r.column_type)]),
      );
      const [{ n }] = await rows(conn, 'select count(*) as n from t');
      const rowCount = num(n);
      const results: CheckResult[] = [];
      for (const spec of suite.checks) {
        try {
          results.push(await runOne(conn, spec, columns, rowCount));
        } catch (err) {
          const column = 'column' in spec ? spec.column : undefined;
          results.push({
            name: spec.name ?? spec.check,
            check: spec.check,
            column,
            severity: spec.severity,
            success: false,
            error: (err as Error).message.split('\n')[0],
          });
        }
      }
      return { success: results.every((r) => r.success), results, rowCount };
    },
    { threads: 2 },
  );
}
