import { z } from 'zod';
import { loadYamlFile } from '../yaml-file.js';
import { RULES, RULES_BY_NAME, type QualityRule, type RuleFamily } from './rules.js';

export const FAMILIES = ['gopher', 'gopher_repetition', 'c4', 'fineweb'] as const satisfies readonly RuleFamily[];

const RuleOverride = z.union([
  z.number().describe('threshold'),
  z.boolean().describe('false turns the rule off, true turns it on with its default threshold'),
  z.object({ threshold: z.number().optional(), enabled: z.boolean().default(true) }).strict(),
]);

/** A rule set: families switched on as a whole, then rules added, tuned or turned off by name. */
export const RuleSetSpec = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    presets: z.array(z.enum(FAMILIES)).optional().describe('rule families to enable with published thresholds'),
    rules: z.record(z.string(), RuleOverride).optional().describe('per rule: a threshold, false to disable, or { threshold, enabled }'),
  })
  .strict();
export type RuleSetSpec = z.output<typeof RuleSetSpec>;

export interface ActiveRule {
  rule: QualityRule;
  threshold: number;
}

function suggest(name: string): string {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  const best = RULES.map((r) => [r.name, dist(name, r.name)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 4 ? `; did you mean "${best[0]}"?` : `; known rules: ${RULES.map((r) => r.name).join(', ')}`;
}

/** Turns rule-set layers (a file, then inline config) into the active rules, in catalogue order. */
export function resolveRules(layers: { source: string; spec: RuleSetSpec }[]): ActiveRule[] {
  const thresholds = new Map<string, number>();
  for (const { source, spec } of layers) {
    for (const family of spec.presets ?? []) for (const r of RULES) if (r.family === family) thresholds.set(r.name, r.threshold);
    for (const [name, override] of Object.entries(spec.rules ?? {})) {
      const rule = RULES_BY_NAME.get(name);
      if (!rule) throw new Error(`${source}: rules.${name}: unknown quality rule${suggest(name)}`);
      if (override === false || (typeof override === 'object' && !override.enabled)) thresholds.delete(name);
      else if (override === true) thresholds.set(name, rule.threshold);
      else if (typeof override === 'number') thresholds.set(name, override);
      else thresholds.set(name, override.threshold ?? rule.threshold);
    }
  }
  return RULES.filter((r) => thresholds.has(r.name)).map((rule) => ({ rule, threshold: thresholds.get(rule.name)! }));
}

/** Reads a rule-set YAML file, naming the file, line and field of any mistake. */
export function loadRuleSetFile(path: string, baseDir: string): Promise<{ source: string; spec: RuleSetSpec }> {
  return loadYamlFile(path, baseDir, RuleSetSpec, 'quality rule set');
}
