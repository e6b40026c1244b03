export {
  DuckDbSession,
  withDuckDb,
  readParquetAsArrow,
  sqlString,
  sqlIdent,
  normaliseValue,
} from './duckdb-session.js';
export type { OpenOptions, CopyOptions, SqlParams } from './duckdb-session.js';
