import { z } from 'zod';
import { DatanetDefinitionSchema } from './datanet-definition.js';

/** The JSON Schema editors use for `configs/datanets/*.yaml` (input shape: defaults are optional). */
export function datanetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(DatanetDefinitionSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://datanet.dev/schemas/datanet.schema.json', title: 'Datanet definition' };
}

export function datanetJsonSchemaText(): string {
  return `${JSON.stringify(datanetJsonSchema(), null, 2)}\n`;
}
