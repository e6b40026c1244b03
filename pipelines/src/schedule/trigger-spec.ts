import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { interpolate, KEEP } from '../spec/interpolate.js';
import { parseDuration, TriggerSchema } from '../spec/pipeline-spec.js';

/** One `on:` trigger of a pipeline file, with its paths resolved and durations in ms. */
export interface PipelineTrigger {
  file: string;
  pipeline: string;
  name: string;
  kind: 'files' | 'glob' | 'run' | 'event';
  /** files: the folder; glob: the pattern (absolute); run: the pipeline; event: the signal name. */
  source: string;
  debounceMs: number;
  maxBatch: number;
  pollMs: number;
  param: string;
  params: Record<string, string>;
}

/**
 * The `on:` triggers of a pipeline file, checked. Paths are relative to the file, or to the state
 * folder when written `state:inbox/...`; `${{ env.NAME }}` is filled in. The parameter that takes
 * the batch must be declared, so the run compiles.
 */
export function readTriggers(file: string, stateDir: string): PipelineTrigger[] {
  const doc = parse(readFileSync(file, 'utf8')) as {
    metadata?: { name?: string };
    on?: unknown;
    parameters?: Record<string, unknown>;
  } | null;
  if (!doc?.on) return [];
  if (typeof doc.on !== 'object' || Array.isArray(doc.on)) throw new Error(`${file}: on: expected a map of trigger names to triggers`);
  const pipeline = doc.metadata?.name ?? file;
  const out: PipelineTrigger[] = [];
  for (const [name, raw] of Object.entries(doc.on as Record<string, unknown>)) {
    const parsed = TriggerSchema.safeParse(raw);
    if (!parsed.success)
      throw new Error(
        `${file}: on.${name}: ${parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`,
      );
    const t = parsed.data;
    const missing: string[] = [];
    const fill = (v: string) =>
      interpolate(v, (ns, n) => {
        if (ns !== 'env') return KEEP;
        if (process.env[n] === undefined) missing.push(`env.${n}`);
        return process.env[n] ?? '';
      }) as string;
    const path = (v: string) => {
      const p = fill(v);
      if (p.startsWith('state:')) return resolve(stateDir, p.slice('state:'.length));
      return isAbsolute(p) ? p : resolve(dirname(file), p);
    };
    const kind = t.files !== undefined ? 'files' : t.glob !== undefined ? 'glob' : t.run !== undefined ? 'run' : 'event';
    const source = kind === 'files' ? path(t.files!) : kind === 'glob' ? path(t.glob!) : kind === 'run' ? t.run!.pipeline : fill(t.event!);
    if (missing.length) throw new Error(`${file}: on.${name}: ${missing.join(', ')} not set in the environment`);
    const declared = doc.parameters?.[t.param];
    const type = declared && typeof declared === 'object' ? ((declared as { type?: string }).type ?? 'string') : typeof declared;
    if (declared === undefined)
      throw new Error(
        `${file}: on.${name}: the batch goes to parameter "${t.param}": declare it under parameters: (a string, default "[]")`,
      );
    if (type !== 'string')
      throw new Error(`${file}: on.${name}: parameter "${t.param}" receives a JSON list: it must be a string parameter`);
    out.push({
      file,
      pipeline,
      name,
      kind,
      source,
      debounceMs: parseDuration(t.debounce),
      maxBatch: t.maxBatch,
      pollMs: parseDuration(t.poll),
      param: t.param,
      params: Object.fromEntries(Object.entries(t.params ?? {}).map(([k, v]) => [k, String(v)])),
    });
  }
  return out;
}
