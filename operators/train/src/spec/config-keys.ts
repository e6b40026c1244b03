/** Helpers shared by the Axolotl and LLaMA-Factory mappings. */

export interface ImportResult<S> {
  format: 'axolotl' | 'llama-factory';
  spec: S;
  /** Keys of the file with a value that our spec has no place for (dotted for nested ones). */
  dropped: string[];
  /** Keys present but empty (null), which carry nothing. */
  empty: string[];
}

/** Tracks which keys of a YAML mapping were consumed, so the rest can be reported as dropped. */
export class KeyTracker {
  private used = new Set<string>();
  constructor(
    private readonly doc: Record<string, unknown>,
    private readonly source: string,
  ) {}

  has(key: string): boolean {
    return this.doc[key] !== undefined && this.doc[key] !== null;
  }

  raw(key: string): unknown {
    this.used.add(key);
    return this.doc[key] ?? undefined;
  }

  number(key: string): number | undefined {
    const v = this.raw(key);
    if (v === undefined || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) throw new Error(`${this.source}: ${key}: expected a number, got ${JSON.stringify(v)}`);
    return n;
  }

  bool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'auto') return true;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new Error(`${this.source}: ${key}: expected true/false, got ${JSON.stringify(v)}`);
  }

  string(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    return String(v);
  }

  markUsed(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }

  report(): { dropped: string[]; empty: string[] } {
    const dropped: string[] = [];
    const empty: string[] = [];
    for (const [k, v] of Object.entries(this.doc)) {
      if (this.used.has(k)) continue;
      (v === null || v === undefined ? empty : dropped).push(k);
    }
    return { dropped, empty };
  }
}

/** `all`, `all-linear`, a comma list or a YAML list, to our target-modules value. */
export function parseTargets(value: unknown): string[] | 'all-linear' | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value)
    ? value.map(String)
    : String(value)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  if (list.length === 1 && (list[0] === 'all' || list[0] === 'all-linear')) return 'all-linear';
  return list.length ? list : undefined;
}

export function scheduler(value: string | undefined): 'cosine' | 'linear' | 'constant' | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('cosine')) return 'cosine';
  if (value === 'linear') return 'linear';
  if (value.startsWith('constant')) return 'constant';
  return undefined;
}
