import { PRECEDENCE, pick, readDatanetDedupe, type DatanetDedupe, type Resolved } from './datanet-settings.js';

/** Operator defaults of the `with:` fields a Datanet can also set. */
export const EXACT_DEFAULTS = { enabled: true, textColumn: 'text' } as const;

export interface ResolvedExact {
  datanet: Omit<DatanetDedupe, 'dedupe'> | undefined;
  enabled: Resolved<boolean>;
  textColumn: Resolved<string>;
}

/** The settings a `dedupe.exact` step runs with, each with where it came from. */
export function resolveExact(config: { datanet?: string; enabled?: boolean; textColumn?: string }, pipelineDir: string): ResolvedExact {
  const dn = readDatanetDedupe(config.datanet, pipelineDir);
  return {
    datanet: dn && { id: dn.id, definition: dn.definition },
    enabled: pick(config.enabled, dn?.dedupe?.exact, EXACT_DEFAULTS.enabled),
    textColumn: pick(config.textColumn, dn?.dedupe?.textColumn, EXACT_DEFAULTS.textColumn),
  };
}

export function exactSettingsReport(r: ResolvedExact): Record<string, unknown> {
  return { datanet: r.datanet ?? null, precedence: PRECEDENCE, enabled: r.enabled, textColumn: r.textColumn };
}
