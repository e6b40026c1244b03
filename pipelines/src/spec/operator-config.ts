import type { z } from 'zod';
import type { OperatorDefinition } from '../operator/define-operator.js';
import { NonRetryableError } from '../exec/errors.js';
import { unescapeReferences } from './interpolate.js';

/** One problem with a step's `with:` block, located by its path inside it. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

export class ConfigError extends NonRetryableError {
  override name = 'ConfigError';
  constructor(
    readonly operatorType: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid config for ${operatorType}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
}

export function configIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: describeIssue(issue),
  }));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

/** Parses a step's config with its operator's schema, or throws a ConfigError listing every issue. */
export function parseOperatorConfig(op: OperatorDefinition, raw: unknown): unknown {
  // `$${{` (a parameter's literal `${{`, see interpolate.ts) becomes `${{` here, the last step.
  const result = op.config.safeParse(unescapeReferences(raw ?? {}));
  if (!result.success) throw new ConfigError(op.type, configIssues(result.error));
  return result.data;
}
