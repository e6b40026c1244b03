import { DataType, type Schema } from 'apache-arrow';
import type { ColumnType, TableSchemaSpec } from '../operator/define-operator.js';

/** Whether an Arrow type satisfies a declared column type (see ColumnType). */
export function arrowTypeMatches(type: DataType, declared: ColumnType): boolean {
  if (declared === 'any') return true;
  if (DataType.isDictionary(type)) return arrowTypeMatches(type.dictionary, declared);
  switch (declared) {
    case 'utf8':
      return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
    case 'int32':
      return DataType.isInt(type) && type.bitWidth === 32;
    case 'int64':
      return DataType.isInt(type) && type.bitWidth === 64;
    case 'float64':
      return DataType.isFloat(type);
    case 'bool':
      return DataType.isBool(type);
    case 'timestamp':
      return DataType.isTimestamp(type) || DataType.isDate(type);
    case 'binary':
      return DataType.isBinary(type) || DataType.isLargeBinary(type);
    case 'list<utf8>':
      return DataType.isList(type) && arrowTypeMatches(type.children[0].type, 'utf8');
  }
}

/** Problems of a concrete Arrow schema against a declared one; empty when it conforms. */
export function checkTableSchema(schema: Schema, spec: TableSchemaSpec): string[] {
  const problems: string[] = [];
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  for (const [name, declared] of Object.entries(spec.columns)) {
    const field = byName.get(name);
    if (!field) problems.push(`missing column "${name}" (${declared})`);
    else if (!arrowTypeMatches(field.type, declared)) {
      problems.push(`column "${name}" is ${String(field.type)}, expected ${declared}`);
    }
  }
  if (spec.open === false) {
    for (const field of schema.fields) {
      if (!(field.name in spec.columns)) problems.push(`unexpected column "${field.name}"`);
    }
  }
  return problems;
}

/**
 * Static compatibility of an upstream output's declared schema with a downstream input's
 * requirements: every required column must be guaranteed with a compatible type. An upstream with
 * no declared schema (e.g. `table.read`) is only checked at run time.
 */
export function checkSchemaCompatibility(provided: TableSchemaSpec | undefined, required: TableSchemaSpec | undefined): string[] {
  if (!provided || !required) return [];
  const problems: string[] = [];
  for (const [name, type] of Object.entries(required.columns)) {
    const have = provided.columns[name];
    if (have === undefined) {
      // An open schema lists what is guaranteed, not all there is (pass-through operators carry
      // their input's columns): a missing column is only certain when the schema is closed.
      if (provided.open === false) problems.push(`column "${name}" is not produced`);
    } else if (have !== type && have !== 'any' && type !== 'any') {
      problems.push(`column "${name}" is ${have}, expected ${type}`);
    }
  }
  return problems;
}
