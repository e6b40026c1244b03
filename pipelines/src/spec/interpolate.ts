/** `${{ ns.name }}` references in pipeline values: params, env and secrets. */
const REF = /\$\{\{\s*(params|env|secrets)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE = /^\$\{\{\s*(params|env|secrets)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

export type RefNamespace = 'params' | 'env' | 'secrets';
export type Resolver = (ns: RefNamespace, name: string) => unknown;

/** Marker left by a resolver to keep a reference as written (resolved later, e.g. secrets). */
export const KEEP = Symbol('keep');

/**
 * Replaces references in every string of a value. A string that is exactly one reference takes the
 * referenced value with its type (a number parameter stays a number); a reference inside a longer
 * string is spliced in as text.
 */
export function interpolate(value: unknown, resolve: Resolver): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) {
      const v = resolve(whole[1] as RefNamespace, whole[2]);
      return v === KEEP ? value : v;
    }
    return value.replace(REF, (m, ns: RefNamespace, name: string) => {
      const v = resolve(ns, name);
      return v === KEEP ? m : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, resolve));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, resolve)]));
  }
  return value;
}

/** Every reference found in a value, with the path where it occurs. */
export function findReferences(value: unknown, path: (string | number)[] = []): { ns: RefNamespace; name: string; path: (string | number)[] }[] {
  if (typeof value === 'string') return [...value.matchAll(REF)].map((m) => ({ ns: m[1] as RefNamespace, name: m[2], path }));
  if (Array.isArray(value)) return value.flatMap((v, i) => findReferences(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findReferences(v, [...path, k]));
  return [];
}

/** Secret values seen by this process; anything printed or stored passes through `redact`. */
const secretValues = new Set<string>();

export function registerSecret(value: string): void {
  if (value.length >= 4) secretValues.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secretValues) out = out.split(s).join('***');
  return out;
}

/** Resolves `${{ secrets.X }}` from `DATANET_SECRET_X` or `X` in the environment. */
export function readSecret(name: string): string | undefined {
  const value = process.env[`DATANET_SECRET_${name}`] ?? process.env[name];
  if (value !== undefined) registerSecret(value);
  return value;
}
