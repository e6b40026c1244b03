import { createHash } from 'node:crypto';

/**
 * The train/eval split is a pure function of the contribution id, so a contribution never moves
 * between splits when the set grows. `bucket = first 32 bits of sha256("<salt>:<id hex>")`;
 * eval when `bucket < evalFraction * 2^32`. The SQL and TypeScript forms must agree (tested).
 */
export const SPLIT_METHOD =
  'eval iff uint32(first 8 hex of sha256(salt + ":" + contribution id as 64 lower-case hex)) < evalFraction * 2^32';

export function idHex(id: string): string {
  return id
    .replace(/^sha256:/, '')
    .replace(/^0x/i, '')
    .toLowerCase();
}

export function splitOf(id: string, salt: string, evalFraction: number): 'train' | 'eval' {
  const h = createHash('sha256')
    .update(`${salt}:${idHex(id)}`)
    .digest('hex');
  return parseInt(h.slice(0, 8), 16) < evalThreshold(evalFraction) ? 'eval' : 'train';
}

export function evalThreshold(evalFraction: number): number {
  return Math.floor(evalFraction * 2 ** 32);
}

/**
 * SQL for `idColumn` (a VARCHAR of "sha256:" / "0x" / bare hex) as lower-case hex without prefix,
 * as `idHex` does; plain string functions, which cost far less per row than regexp_replace.
 */
export function idHexSql(idColumn: string): string {
  const bare = `CASE WHEN starts_with(${idColumn}, 'sha256:') THEN substr(${idColumn}, 8) ELSE ${idColumn} END`;
  return `lower(CASE WHEN starts_with(${bare}, '0x') OR starts_with(${bare}, '0X') THEN substr(${bare}, 3) ELSE ${bare} END)`;
}

/**
 * SQL expression for the split of the row whose id, as `idHexSql` gives it, is `hexColumn`; `$salt` is bound by the caller.
 * The digest's hex is compared with the threshold as 8 lower-case hex digits: a 64-digit string is
 * below that 8-digit one exactly when its first 8 digits are (equal first 8 make it the greater),
 * so this is `uint32(first 8 hex) < threshold` without cutting and casting a string per row.
 */
export function splitSql(hexColumn: string, evalFraction: number): string {
  const threshold = evalThreshold(evalFraction).toString(16).padStart(8, '0');
  return `CASE WHEN sha256($salt || ':' || ${hexColumn}) < '${threshold}' THEN 'eval' ELSE 'train' END`;
}
