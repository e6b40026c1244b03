import { createHash, createHmac, scryptSync } from 'node:crypto';

/**
 * `${{ ns.name }}` references in pipeline values: params, env and secrets. `$${{` is a literal
 * `${{`: parameter values are escaped that way when spliced in at compile time, so a later pass
 * (env and secrets at run time) never resolves a reference that came from a parameter's value.
 * Parameters are data, never code.
 */
const REF = /(?<!\$)\$\{\{\s*(params|env|secrets)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE = /^\$\{\{\s*(params|env|secrets)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
const ESCAPED = /\$\$\{\{/g;

/** A value made literal: every `${{` in its strings becomes `$${{`, which no pass resolves. */
export function escapeReferences<T>(value: T): T {
  return mapStrings(value, (s) => s.replace(/\$\{\{/g, '$$$${{')) as T;
}

/** The final form an operator sees: `$${{` back to a literal `${{`. Applied once, when a config is parsed for its operator. */
export function unescapeReferences<T>(value: T): T {
  return mapStrings(value, (s) => s.replace(ESCAPED, '$${{')) as T;
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

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
export function findReferences(
  value: unknown,
  path: (string | number)[] = [],
): { ns: RefNamespace; name: string; path: (string | number)[] }[] {
  if (typeof value === 'string') return [...value.matchAll(REF)].map((m) => ({ ns: m[1] as RefNamespace, name: m[2], path }));
  if (Array.isArray(value)) return value.flatMap((v, i) => findReferences(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findReferences(v, [...path, k]));
  return [];
}

/**
 * Secret values seen by this process; anything printed or stored passes through `redact`. A
 * secret must be at least MIN_SECRET_LENGTH long, so that masking pieces of it never has to touch
 * ordinary words.
 */
const secretValues = new Set<string>();
export const MIN_SECRET_LENGTH = 8;
/** A library may cut its excerpt of a statement short (DuckDB does): a piece this long at either end of a secret is masked. */
const MIN_EDGE_PIECE = 6;
/** A piece from the middle of a secret (both ends cut) is masked from this length. */
const MIN_INNER_PIECE = 12;

/** Raised for a secret too short to be masked safely; its value is never in the message. */
export class SecretTooShortError extends Error {
  override name = 'SecretTooShortError';
}

export function registerSecret(value: string, name = '(unnamed)'): void {
  if (value.length < MIN_SECRET_LENGTH) {
    throw new SecretTooShortError(
      `secret ${name} is ${value.length} characters long; secrets must have at least ${MIN_SECRET_LENGTH}, so that every piece of one can be masked in messages`,
    );
  }
  secretValues.add(value);
}

/**
 * Masks every registered secret in a text: the whole value, and any piece of it that a library
 * may have left after truncating an excerpt (a prefix or suffix of 6+ characters, or 12+ from the
 * middle). Each masked run becomes `***`.
 */
export function redact(text: string): string {
  let out = text;
  for (const s of secretValues) out = maskPieces(out, s);
  return out;
}

function maskPieces(text: string, secret: string): string {
  if (text.length < MIN_EDGE_PIECE) return text;
  const starts = new Map<string, number[]>();
  for (let p = 0; p + MIN_EDGE_PIECE <= secret.length; p++) {
    const gram = secret.slice(p, p + MIN_EDGE_PIECE);
    const list = starts.get(gram);
    if (list) list.push(p);
    else starts.set(gram, [p]);
  }
  let out = '';
  let i = 0;
  let copied = 0;
  while (i + MIN_EDGE_PIECE <= text.length) {
    const at = starts.get(text.slice(i, i + MIN_EDGE_PIECE));
    let masked = 0;
    if (at) {
      for (const p of at) {
        let n = MIN_EDGE_PIECE;
        while (p + n < secret.length && i + n < text.length && text[i + n] === secret[p + n]) n++;
        const edge = p === 0 || p + n === secret.length;
        if ((edge || n >= MIN_INNER_PIECE) && n > masked) masked = n;
      }
    }
    if (masked) {
      out += text.slice(copied, i) + '***';
      i += masked;
      copied = i;
    } else i++;
  }
  return copied ? out + text.slice(copied) : text;
}

/**
 * Resolves `${{ secrets.X }}` from `DATANET_SECRET_X` in the environment. Only variables named so
 * are secrets: a reference never falls back to an arbitrary environment variable.
 */
export function readSecret(name: string): string | undefined {
  const value = process.env[`DATANET_SECRET_${name}`];
  if (value !== undefined) registerSecret(value, name);
  return value;
}

const keyedDigests = new Map<string, string>();

/**
 * A keyed digest of the secrets a config references, for its step's cache key: a rotated secret
 * re-runs the steps that use it, and the key reveals nothing of the value. Each value is
 * stretched with scrypt (salted by its name) into an HMAC key, so even a weak secret is costly to
 * guess from a stored cache key; computed once per value per process.
 */
export function secretsDigestOf(config: unknown): string | undefined {
  const names = [
    ...new Set(
      findReferences(config)
        .filter((r) => r.ns === 'secrets')
        .map((r) => r.name),
    ),
  ].sort();
  if (!names.length) return undefined;
  const h = createHash('sha256');
  for (const name of names) {
    const value = readSecret(name);
    let part = '(unset)';
    if (value !== undefined) {
      const memo = `${name}\0${value}`;
      part = keyedDigests.get(memo) ?? '';
      if (!part) {
        const key = scryptSync(value, `datanet/cache-key/${name}`, 32, { N: 1 << 14 });
        part = createHmac('sha256', key).update('datanet secret digest v1').digest('hex');
        keyedDigests.set(memo, part);
      }
    }
    h.update(`${name}\0${part}\0`);
  }
  return `hmac-sha256:${h.digest('hex')}`;
}
