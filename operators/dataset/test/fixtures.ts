import { withDuckDb, sqlString } from '@datanet/connector-duckdb';
import { corpusPath } from '@datanet/pipelines/testing';

/**
 * Writes `n` synthetic Q&A contributions (ids = sha256 of the content) to a Parquet file, in an
 * order given by `order` so tests can feed the same set in different arrival orders.
 */
export async function writeGeneratedContributions(
  path: string,
  n: number,
  opts: { order?: 'asc' | 'desc' | 'shuffled'; contributors?: number; kind?: 'qa' | 'text'; offset?: number } = {},
): Promise<void> {
  const order = { asc: 'i', desc: 'i DESC', shuffled: 'hash(i * 7919)' }[opts.order ?? 'asc'];
  const k = opts.contributors ?? 5;
  const contributorSql = `'0x' || lpad(format('{:x}', (i % ${k}) + 1), 40, '0')`;
  const body =
    opts.kind === 'text'
      ? `'Document ' || i || ': ' || repeat('lorem ipsum ', 1 + i % 7) AS text`
      : `'Question ' || i || ' about topic ' || (i % 97) || '?' AS question, 'Answer ' || i || ': ' || repeat('because ', 1 + i % 11) AS answer`;
  const content = opts.kind === 'text' ? `'Document ' || i` : `'Question ' || i`;
  await withDuckDb((db) =>
    db.copyToParquet(
      `SELECT 'sha256:' || sha256(${content}) AS id, ${contributorSql} AS contributor, ${body}
       FROM range(${opts.offset ?? 0}, ${(opts.offset ?? 0) + n}) t(i) ORDER BY ${order}`,
      path,
    ),
  );
}

export const MEDQUAD = 'medquad/medquad_with_answers.jsonl.gz';

/**
 * MedQuAD as accepted contributions: id = sha256 of question + answer, contributor = the NIH
 * site (named, so the tree uses the string leaf encoding), exact duplicates dropped (earliest
 * kept). `limit` keeps the first rows in file order; `order` changes the arrival order only.
 */
export async function writeMedquadContributions(path: string, opts: { limit?: number; order?: 'file' | 'reverse' } = {}): Promise<number> {
  const src = corpusPath(MEDQUAD);
  if (!src) throw new Error('MedQuAD corpus absent');
  return withDuckDb((db) =>
    db.copyToParquet(
      `WITH raw AS (
         SELECT row_number() OVER () AS rn, question, answer, source FROM read_json(${sqlString(src)}, format = 'newline_delimited')
       ), firsts AS (
         SELECT 'sha256:' || sha256(question || chr(10) || answer) AS id, source AS contributor, question, answer, rn,
                row_number() OVER (PARTITION BY sha256(question || chr(10) || answer) ORDER BY rn) AS k
         FROM raw ${opts.limit ? `WHERE rn <= ${opts.limit}` : ''}
       )
       SELECT id, contributor, question, answer FROM firsts WHERE k = 1 ORDER BY rn ${opts.order === 'reverse' ? 'DESC' : ''}`,
      path,
    ),
  );
}
