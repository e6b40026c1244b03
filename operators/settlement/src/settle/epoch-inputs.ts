import type { Epoch } from '../core/epoch.js';
import type { ContributorAttribution } from '../core/rewards.js';

export interface EpochInputFiles {
  /** Parquet: inference_id, contribution_id, contributor, score. */
  attributions: string;
  /** Parquet: inference_id, fee (decimal string or integer, base units), time (timestamp or int64 ms). */
  inferences: string;
  /** Parquet: contributor, standing (0..1). */
  standing?: string;
}

export interface EpochInputs {
  fees: bigint;
  inferenceCount: number;
  /** Per contributor (as named in the attributions), summed positive scores of the epoch's inferences. */
  contributors: { contributor: string; attribution: number; standing?: number }[];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * Sums an epoch's fees and per-contributor attribution in DuckDB, straight from the Parquet files
 * (10M attribution rows never pass through JS). Scores are summed as decimals with 10 fractional
 * digits (each |score| < 1e8, the sum in 128 bits), exactly, so the sums do not depend on the
 * order in which DuckDB's threads meet the rows.
 * Only positive scores count: negative influence is never charged to anyone.
 */
export async function readEpochInputs(files: EpochInputFiles, epoch: Epoch): Promise<EpochInputs> {
  const { withDuckDb, sqlString } = await import('@datanet/connector-duckdb');
  return withDuckDb(async (db) => {
    const inf = `read_parquet(${sqlString(files.inferences)})`;
    const att = `read_parquet(${sqlString(files.attributions)})`;
    const types = new Map(
      (await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${inf}`)).map((r) => [
        r.column_name,
        r.column_type,
      ]),
    );
    for (const col of ['inference_id', 'fee', 'time']) {
      if (!types.has(col))
        throw new Error(`inferences table ${files.inferences} has no column "${col}" (it has: ${[...types.keys()].join(', ')})`);
    }
    const t = types.get('time')!;
    const ms = /^TIMESTAMP|^DATE/.test(t) ? 'epoch_ms(time::TIMESTAMPTZ)' : /INT/.test(t) ? 'time::BIGINT' : undefined;
    if (!ms) throw new Error(`inferences.time is ${t}: it must be a timestamp or int64 milliseconds since 1970`);
    // Only whole decimal numerals are fees: TRY_CAST alone would round "12.5" to 13.
    await db.exec(
      `CREATE TEMP TABLE ep AS SELECT inference_id, fee::VARCHAR AS fee, CASE WHEN regexp_full_match(fee::VARCHAR, '[0-9]+') THEN TRY_CAST(fee::VARCHAR AS HUGEINT) END AS f FROM ${inf}
         WHERE ${ms} >= ${epoch.startMs} AND ${ms} < ${epoch.endMs}`,
    );
    const bad = await db.all<{ inference_id: string; fee: string }>(`SELECT inference_id, fee FROM ep WHERE f IS NULL OR f < 0 LIMIT 3`);
    if (bad.length) {
      throw new Error(
        `inferences ${bad.map((b) => `${b.inference_id} (fee "${b.fee}")`).join(', ')}: fee must be a non-negative integer in token base units`,
      );
    }
    const [sum] = await db.all<{ fees: string; n: number }>(`SELECT coalesce(sum(f), 0)::VARCHAR AS fees, count(*) AS n FROM ep`);
    const attCols = new Set((await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${att}`)).map((r) => r.column_name));
    for (const col of ['inference_id', 'contributor', 'score']) {
      if (!attCols.has(col))
        throw new Error(`attributions table ${files.attributions} has no column "${col}" (it has: ${[...attCols].join(', ')})`);
    }
    const standing = files.standing
      ? `LEFT JOIN (SELECT contributor, max(standing)::DOUBLE AS standing FROM read_parquet(${sqlString(files.standing)}) GROUP BY contributor) s ON s.contributor = a.contributor`
      : '';
    // Read by columns: a million row objects cost more than the aggregation's last step.
    const reader = await db.connection.runAndReadAll(
      `SELECT a.contributor, sum(a.score::DECIMAL(18,10))::DOUBLE AS attribution, ${files.standing ? 'any_value(s.standing)::DOUBLE' : 'NULL::DOUBLE'} AS standing
         FROM ${att} a SEMI JOIN ep ON a.inference_id = ep.inference_id ${standing}
         WHERE a.score > 0 AND a.contributor IS NOT NULL
         GROUP BY a.contributor ORDER BY a.contributor`,
    );
    const [names, sums, standings] = reader.getColumnsJS() as [string[], number[], (number | null)[]];
    const contributors = new Array<EpochInputs['contributors'][number]>(names.length);
    for (let i = 0; i < names.length; i++) {
      contributors[i] = { contributor: names[i], attribution: sums[i], standing: standings[i] ?? undefined };
    }
    return { fees: BigInt(sum.fees), inferenceCount: Number(sum.n), contributors };
  });
}

/**
 * Contributors are paid at EVM accounts: a contributor named by an address is paid there, one named
 * otherwise (e.g. a MedQuAD site) needs an entry in `accounts`.
 */
export function toAccounts(rows: EpochInputs['contributors'], accounts: Record<string, string> = {}): ContributorAttribution[] {
  const missing: string[] = [];
  const out: ContributorAttribution[] = [];
  let ascending = true;
  for (const r of rows) {
    const account = (ADDRESS.test(r.contributor) ? r.contributor : accounts[r.contributor])?.toLowerCase();
    if (!account) {
      missing.push(r.contributor);
      continue;
    }
    if (!ADDRESS.test(account)) throw new Error(`accounts["${r.contributor}"] = "${account}" is not a 20-byte hex address`);
    if (ascending && out.length && !(out[out.length - 1].account < account)) ascending = false;
    out.push({ account, attribution: r.attribution, standing: r.standing });
  }
  if (missing.length) {
    throw new Error(
      `${missing.length} contributor(s) are not EVM addresses and have no entry in config.accounts: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}; map each to a 0x address under "accounts"`,
    );
  }
  // Strictly ascending accounts (the aggregation's order, when contributors are lower-case
  // addresses) cannot repeat; otherwise look for two contributors paid at one account.
  if (!ascending) {
    const seen = new Map<string, string>();
    rows.forEach((r, i) => {
      const other = seen.get(out[i].account);
      if (other)
        throw new Error(`contributors "${other}" and "${r.contributor}" are both paid at ${out[i].account}; give each its own account`);
      seen.set(out[i].account, r.contributor);
    });
  }
  return out;
}
