export { tableRead } from './table-read-operator.js';
export { tableWrite } from './table-write-operator.js';
export { tableSql } from './table-sql-operator.js';
