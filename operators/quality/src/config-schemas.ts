import { z } from 'zod';
import { CheckSuite } from './checks/check-spec.js';
import { RuleSetSpec } from './filter/rule-set.js';

/**
 * JSON Schemas of the YAML files users write for this package, for editor completion
 * (`# yaml-language-server: $schema=...`). Committed under configs/quality and kept equal to these
 * by a test.
 */
export function qualityConfigSchemas(): Record<string, unknown> {
  return {
    'rule-set.schema.json': { title: 'datanet quality rule set', ...z.toJSONSchema(RuleSetSpec, { io: 'input' }) },
    'check-suite.schema.json': { title: 'datanet quality check suite', ...z.toJSONSchema(CheckSuite, { io: 'input' }) },
  };
}
