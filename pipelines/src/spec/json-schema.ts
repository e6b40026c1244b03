import { z } from 'zod';
import type { OperatorRegistry } from '../operator/operator-registry.js';
import { PipelineSpecSchema, StepSpecSchema } from './pipeline-spec.js';

const opts = { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' } as const;

/**
 * The JSON Schema of pipeline files, generated from the zod definitions: the pipeline structure,
 * plus, for each known operator, the schema of its `with:` block (selected by `uses:`), so editors
 * complete operator names and their config fields.
 */
export function pipelineJsonSchema(registry: OperatorRegistry): Record<string, unknown> {
  const root = z.toJSONSchema(PipelineSpecSchema, opts) as Record<string, any>;
  const step = z.toJSONSchema(StepSpecSchema, opts) as Record<string, any>;
  delete step.$schema;
  const types = registry.types();
  step.properties.uses = {
    anyOf: [{ enum: types }, { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$' }],
    description: 'operator type',
  };
  step.allOf = registry.all().map((op) => {
    const config = z.toJSONSchema(op.config, opts) as Record<string, any>;
    delete config.$schema;
    return {
      if: { properties: { uses: { const: op.type } }, required: ['uses'] },
      then: { properties: { with: { description: op.description, ...config } } },
    };
  });
  root.properties.steps.additionalProperties = step;
  root.$id = 'https://datanet.dev/schemas/pipeline.schema.json';
  root.title = 'datanet pipeline (apiVersion datanet/v1)';
  return root;
}
