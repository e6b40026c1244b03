import { SC } from './croissant-vocab.js';

/**
 * Just enough JSON-LD term expansion to check Croissant: keys and type names resolved through
 * the document's own `@context` (so a context that forgets `source` or `dataType` is caught, as
 * mlcroissant does), with schema.org's http and https spellings treated as one.
 */
export class TermExpander {
  private readonly terms = new Map<string, string>();
  private readonly vocab: string;

  constructor(context: unknown) {
    const contexts = Array.isArray(context) ? context : [context];
    let vocab = SC;
    for (const c of contexts) {
      if (!c || typeof c !== 'object') continue;
      for (const [k, v] of Object.entries(c as Record<string, unknown>)) {
        if (k === '@vocab' && typeof v === 'string') vocab = v;
        else if (typeof v === 'string') this.terms.set(k, v);
        else if (v && typeof v === 'object' && typeof (v as any)['@id'] === 'string') this.terms.set(k, (v as any)['@id']);
      }
    }
    this.vocab = canonical(vocab);
  }

  /** Expands a property key or a `@type` value to a full IRI. */
  expand(term: string, depth = 0): string {
    if (term.startsWith('@')) return term;
    const mapped = this.terms.get(term);
    if (mapped !== undefined && mapped !== term && depth < 8) return this.expand(mapped, depth + 1);
    const colon = term.indexOf(':');
    if (colon > 0) {
      const prefix = term.slice(0, colon);
      const rest = term.slice(colon + 1);
      if (rest.startsWith('//')) return canonical(term);
      const base = this.terms.get(prefix);
      if (base !== undefined && depth < 8) return canonical(this.expand(base, depth + 1) + rest);
      return canonical(term);
    }
    return canonical(this.vocab + term);
  }
}

function canonical(iri: string): string {
  return iri.replace(/^http:\/\/schema\.org\//, SC);
}

/** A JSON object viewed through full IRIs. */
export class Node {
  private readonly byIri = new Map<string, unknown>();

  constructor(
    readonly raw: Record<string, unknown>,
    readonly terms: TermExpander,
  ) {
    for (const [k, v] of Object.entries(raw)) this.byIri.set(terms.expand(k), v);
  }

  get(iri: string): unknown {
    return this.byIri.get(iri);
  }

  has(iri: string): boolean {
    const v = this.byIri.get(iri);
    return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  }

  /** The node's `@type` values, expanded. */
  types(): string[] {
    const t = this.raw['@type'];
    return (Array.isArray(t) ? t : t === undefined ? [] : [t])
      .filter((x): x is string => typeof x === 'string')
      .map((x) => this.terms.expand(x));
  }

  /** Child objects under a property (one object or an array of them). */
  children(iri: string): Node[] {
    const v = this.byIri.get(iri);
    const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    return list
      .filter((x) => x && typeof x === 'object' && !Array.isArray(x))
      .map((x) => new Node(x as Record<string, unknown>, this.terms));
  }

  /** `@id`, falling back to `name` as mlcroissant does for 1.0 files. */
  id(): string | undefined {
    const id = this.raw['@id'] ?? this.raw.name;
    return typeof id === 'string' ? id : undefined;
  }
}

/** `@id` of a reference value (`{"@id": "x"}`, or a bare string). */
export function refIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list
    .map((v) => (typeof v === 'string' ? v : v && typeof v === 'object' ? (v as any)['@id'] : undefined))
    .filter((x): x is string => typeof x === 'string');
}
