import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { withDuckDb, sqlString } from '@datanet/connector-duckdb';

export interface ExcludedContribution {
  id: string;
  contributor: string;
  /** Why and by whom, as the revocation recorded it (e.g. "dispute dsp_... upheld (licence) by 0x... via quorum"). */
  reason: string | null;
  revokedAt: number;
}

const norm = (id: string) =>
  id
    .toLowerCase()
    .replace(/^sha256:/, '')
    .replace(/^0x/, '');

/**
 * Leaves out of a dataset version the contributions the registry marks revoked (an upheld dispute,
 * a duplicate or poison found later), and says which, why and by whom. Returns the input unchanged
 * when none of its rows is revoked (or the store has no registry).
 */
export async function excludeRevoked(
  db: Kysely<any>,
  datanet: string,
  inputPath: string,
  workDir: string,
): Promise<{ path: string; excluded: ExcludedContribution[] }> {
  const has = await sql<{ t: boolean }>`select to_regclass('contributions') is not null as t`.execute(db);
  if (!has.rows[0]?.t) return { path: inputPath, excluded: [] };
  const rows = await db
    .selectFrom('contributions')
    .select(['id', 'contributor', 'revoke_reason', 'revoked_at'])
    .where('datanet', '=', datanet)
    .where('revoked_at', 'is not', null)
    .execute();
  if (!rows.length) return { path: inputPath, excluded: [] };
  const revoked = new Map(rows.map((r: Record<string, any>) => [norm(r.id), r]));
  const list = [...revoked.keys()].map(sqlString).join(', ');
  const idHex = `lower(regexp_replace(regexp_replace(id, '^sha256:', ''), '^0[xX]', ''))`;
  const out = join(workDir, 'contributions-without-revoked.parquet');
  const present = await withDuckDb(async (d) => {
    const hit = await d.all<{ id: string }>(
      `SELECT DISTINCT ${idHex} AS id FROM read_parquet(${sqlString(inputPath)}) WHERE ${idHex} IN (${list})`,
    );
    if (hit.length)
      await d.exec(
        `COPY (SELECT * FROM read_parquet(${sqlString(inputPath)}) WHERE ${idHex} NOT IN (${list})) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    return hit.map((h) => h.id).sort();
  });
  if (!present.length) return { path: inputPath, excluded: [] };
  return {
    path: out,
    excluded: present.map((id) => {
      const r = revoked.get(id)!;
      return { id: r.id, contributor: r.contributor, reason: r.revoke_reason ?? null, revokedAt: Number(r.revoked_at) };
    }),
  };
}
