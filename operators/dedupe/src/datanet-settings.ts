import { isAbsolute, relative } from 'node:path';
import { loadDatanetDefinition, resolveDatanetPath, type DedupeSettings } from '@datanet/datanet';

/**
 * Where a dedupe setting came from. Precedence, highest first: the step's `with:` ('step'), the
 * `dedupe:` section of the Datanet the step names ('datanet'), the operator's default ('default').
 */
export type SettingSource = 'step' | 'datanet' | 'default';

export interface Resolved<T> {
  value: T;
  source: SettingSource;
}

export const PRECEDENCE = "step with: > Datanet definition's dedupe: > operator default";

/** The Datanet a dedupe step names, with its `dedupe:` section (undefined when it has none). */
export interface DatanetDedupe {
  id: string;
  /** The definition file, relative to the pipeline folder (stable across clones). */
  definition: string;
  dedupe: DedupeSettings | undefined;
}

/** Reads the `dedupe:` section of the Datanet named by `with: { datanet }` (a path or an id). */
export function readDatanetDedupe(ref: string | undefined, pipelineDir: string): DatanetDedupe | undefined {
  if (!ref) return undefined;
  const path = resolveDatanetPath(ref, pipelineDir);
  const definition = loadDatanetDefinition(path);
  // Relative to the pipeline folder (as `../datanets/x.yaml`), so reports do not differ between clones.
  const rel = relative(pipelineDir, path);
  return { id: definition.id, definition: rel && !isAbsolute(rel) ? rel : path, dedupe: definition.dedupe };
}

/** The step's value if it set one, else the Datanet's, else the operator default. */
export function pick<T>(step: T | undefined, datanet: T | undefined, fallback: T): Resolved<T> {
  if (step !== undefined) return { value: step, source: 'step' };
  if (datanet !== undefined) return { value: datanet, source: 'datanet' };
  return { value: fallback, source: 'default' };
}

/** Only the values, for cache fingerprints: a changed source with the same value changes nothing. */
export function valuesOf(settings: Record<string, Resolved<unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v.value]));
}

/** The config with the operator defaults filled in where `with:` left a field out. */
export function withDefaults<C extends object, D extends object>(config: C, defaults: D): C & D {
  // Called only when the step names no Datanet: then an omitted field and the same field written
  // at its default are the same config (and give the same cache key).
  return { ...defaults, ...config };
}
