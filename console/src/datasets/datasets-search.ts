export interface DatasetsSearch {
  datanet?: string;
  version?: number;
  /** SQL to put in the box (links from the playground's spans). */
  sql?: string;
}

export function parseDatasetsSearch(s: Record<string, unknown>): DatasetsSearch {
  const version = Number(s.version);
  return {
    ...(typeof s.datanet === 'string' && s.datanet ? { datanet: s.datanet } : {}),
    ...(Number.isInteger(version) && version >= 1 ? { version } : {}),
    ...(typeof s.sql === 'string' && s.sql.length <= 10_000 ? { sql: s.sql } : {}),
  };
}

/** The SQL that shows one contribution's rows in a version. */
export function contributionSql(contributionId: string): string {
  return `SELECT * FROM dataset WHERE contribution_id = '${contributionId.replace(/'/g, "''")}'`;
}

/** Digests compare without their prefix ('sha256:', '0x') or case. */
export function sameDigest(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (x: string) =>
    x
      .toLowerCase()
      .replace(/^sha256:/, '')
      .replace(/^0x/, '');
  return !!a && !!b && norm(a) === norm(b);
}
