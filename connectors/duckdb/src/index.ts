export { DuckDbSession, withDuckDb, readParquetAsArrow, sqlString, sqlIdent, normaliseValue } from './duckdb-session.js';
export type { OpenOptions, CopyOptions, SqlParams } from './duckdb-session.js';
export { textBytes, encodeStrings, stringValues, requireColumn, type TextBytes } from './text-column.js';
export { writeRowSubsets, type RowSubset, type ExtraColumn } from './row-subset.js';
