export { tableRead } from './table-read-operator.js';
export { tableWrite } from './table-write-operator.js';
