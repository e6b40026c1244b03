import { CR, DCT, PROV, RAI, SC } from './croissant-vocab.js';
import { Node, TermExpander, refIds } from './jsonld-terms.js';

export interface CroissantIssue {
  /** Where, as mlcroissant names it: `Metadata(name) > RecordSet(x) > Field(y)`. */
  where: string;
  message: string;
}

export interface CroissantCheck {
  ok: boolean;
  version: '1.0' | '1.1' | 'unknown';
  errors: CroissantIssue[];
  warnings: CroissantIssue[];
}

export interface CheckCroissantOptions {
  /**
   * What the project promises for its own files, beyond the spec's minimum: licence, creator,
   * datePublished, a sha256 digest on every FileObject, the RAI fields and `prov:wasDerivedFrom`.
   */
  strict?: boolean;
}

const FILE_OBJECT = CR + 'FileObject';
const FILE_SET = CR + 'FileSet';

/**
 * Checks the required properties and references of Croissant 1.0/1.1 metadata (the rules of the
 * spec's tables, with mlcroissant's wording for the failures its test suite pins down). Real
 * files in the wild omit some "required" dataset properties (licence, creator, datePublished),
 * which are therefore warnings unless `strict`.
 */
export function checkCroissant(doc: unknown, options: CheckCroissantOptions = {}): CroissantCheck {
  const errors: CroissantIssue[] = [];
  const warnings: CroissantIssue[] = [];
  const result = (version: CroissantCheck['version']): CroissantCheck => ({ ok: errors.length === 0, version, errors, warnings });
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    errors.push({ where: 'Metadata', message: 'Croissant metadata must be a JSON object' });
    return result('unknown');
  }
  const raw = doc as Record<string, unknown>;
  const terms = new TermExpander(raw['@context']);
  const ds = new Node(raw, terms);
  const name = typeof raw.name === 'string' ? raw.name : '';
  const root = `Metadata(${name})`;
  const err = (where: string, message: string) => errors.push({ where, message });
  const warn = (where: string, message: string) => warnings.push({ where, message });

  if (!raw['@context'] || typeof raw['@context'] !== 'object') err(root, 'Property "@context" is mandatory, but does not exist.');
  if (!ds.types().includes(SC + 'Dataset')) {
    err(root, "The current JSON-LD doesn't extend https://schema.org/Dataset.");
    return result('unknown');
  }
  const conformsTo = refIds(ds.get(DCT + 'conformsTo'));
  const version = conformsTo.some((c) => c.endsWith('/1.1')) ? '1.1' : conformsTo.some((c) => c.endsWith('/1.0')) ? '1.0' : 'unknown';
  const mandatory = (node: Node, where: string, iri: string) => {
    if (!node.has(iri)) err(where, `Property "${iri}" is mandatory, but does not exist.`);
  };
  for (const iri of [DCT + 'conformsTo', SC + 'name', SC + 'description', SC + 'url']) mandatory(ds, root, iri);
  for (const iri of [SC + 'license', SC + 'creator', SC + 'datePublished']) {
    if (!ds.has(iri))
      (options.strict ? err : warn)(
        root,
        `Property "${iri}" is ${options.strict ? 'mandatory' : 'required by the spec'}, but does not exist.`,
      );
  }
  if (!ds.has(CR + 'citeAs')) warn(root, `Property "${CR}citeAs" is recommended, but does not exist.`);
  if (options.strict) {
    for (const iri of [RAI + 'dataCollection', RAI + 'personalSensitiveInformation', PROV + 'wasDerivedFrom']) mandatory(ds, root, iri);
  }
  checkTexts(raw, terms, err, root);

  const distribution = ds.children(SC + 'distribution');
  const recordSets = ds.children(CR + 'recordSet');
  const ids = new Set<string>();
  const checkId = (node: Node) => {
    const id = node.id();
    if (id !== undefined) {
      if (/\s/.test(id)) {
        err(
          root,
          `The dataset contains a wrong \`@id\`: '${id}'. Note that currently we do not support \`@id\`s containing whitespaces (not even if URL-escaped).`,
        );
      } else ids.add(id);
    }
  };
  distribution.forEach(checkId);
  for (const rs of recordSets) {
    checkId(rs);
    for (const f of allFields(rs)) checkId(f);
  }

  for (const d of distribution) {
    const id = d.id() ?? '?';
    const types = d.types();
    const isObject = types.includes(FILE_OBJECT);
    if (!isObject && !types.includes(FILE_SET)) {
      err(
        root,
        `"${id}" should have an attribute "@type": "${FILE_OBJECT}" or "@type": "${FILE_SET}". Got ${types.join(', ') || 'nothing'} instead.`,
      );
      continue;
    }
    const where = `${root} > ${isObject ? 'FileObject' : 'FileSet'}(${id})`;
    mandatory(d, where, SC + 'encodingFormat');
    if (isObject) {
      mandatory(d, where, SC + 'contentUrl');
      const sha = d.get(SC + 'sha256');
      if (options.strict && !(typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha))) {
        err(where, `Property "${SC}sha256" must be the lower-case hex sha256 of the file.`);
      } else if (!d.has(SC + 'sha256') && !d.has(CR + 'md5') && !d.has(CR + 'containedIn') && !d.has(SC + 'containedIn')) {
        warn(where, `Property "${SC}sha256" (or md5) is recommended, but does not exist.`);
      }
    } else mandatory(d, where, CR + 'includes');
    // 1.0 contexts lack the `containedIn` term, so it may also arrive as schema.org's.
    for (const ref of refIds(d.get(CR + 'containedIn') ?? d.get(SC + 'containedIn'))) {
      if (!ids.has(ref)) err(where, `There is a reference to node with UUID "${ref}" in node "${id}", but this node doesn't exist.`);
    }
  }

  for (const rs of recordSets) {
    const rsId = rs.id() ?? '?';
    if (!rs.types().includes(CR + 'RecordSet')) {
      err(root, `"${rsId}" should have an attribute "@type": "${CR}RecordSet". Got ${rs.types().join(', ') || 'nothing'} instead.`);
      continue;
    }
    const rsWhere = `${root} > RecordSet(${rsId})`;
    const inline = rs.has(CR + 'data');
    const sources = new Set<string>();
    let declaresJoin = false;
    const visit = (f: Node, parentHasType: boolean, parentWhere: string) => {
      const fid = f.id() ?? '?';
      if (!f.types().includes(CR + 'Field')) {
        err(root, `"${fid}" should have an attribute "@type": "${CR}Field". Got ${f.types().join(', ') || 'nothing'} instead.`);
        return;
      }
      const where = `${parentWhere} > Field(${typeof f.raw.name === 'string' ? f.raw.name : fid})`;
      const subFields = f.children(CR + 'subField');
      const hasType = f.has(CR + 'dataType') || parentHasType;
      // A field may also be read through `references` (the spec's own minimal_recommended example does).
      if (!f.has(CR + 'source') && !f.has(SC + 'value') && !f.has(CR + 'references') && !subFields.length && !inline) {
        err(where, `Field ${fid} does not define \`source\` or \`value\`. Please specify exactly one of them.`);
      }
      if (!hasType && !subFields.length) {
        err(where, `The field does not specify a valid ${CR}dataType, neither does any of its predecessor. Got: []`);
      }
      if (f.has(CR + 'references')) declaresJoin = true;
      for (const src of [...f.children(CR + 'source'), ...f.children(CR + 'references')]) {
        for (const [kind, iri] of [
          ['fileObject', CR + 'fileObject'],
          ['fileSet', CR + 'fileSet'],
          ['field', CR + 'field'],
        ] as const) {
          for (const ref of refIds(src.get(iri))) {
            if (!ids.has(ref)) {
              err(where, `Malformed source data: ${ref}. It does not refer to any existing node.`);
              err(rsWhere, `There is a reference to node with UUID "${ref}" in node "${rsId}", but this node doesn't exist.`);
            } else if (kind !== 'field') sources.add(ref);
          }
        }
      }
      checkArray(f, fid, where, version, err);
      for (const s of subFields) visit(s, hasType, where);
    };
    for (const f of rs.children(CR + 'field')) visit(f, rs.has(CR + 'dataType'), rsWhere);
    if (sources.size > 1 && !declaresJoin) {
      err(
        rsWhere,
        `You try to use the sources with names (${[...sources]
          .sort()
          .map((s) => `'${s}'`)
          .join(', ')}) as sources, but you didn't declare a join between them. Use \`ml:references\` to declare a join.`,
      );
    }
  }
  return result(version);
}

function allFields(rs: Node): Node[] {
  const out: Node[] = [];
  const walk = (f: Node) => {
    out.push(f);
    f.children(CR + 'subField').forEach(walk);
  };
  rs.children(CR + 'field').forEach(walk);
  return out;
}

function checkArray(f: Node, fid: string, where: string, version: string, err: (w: string, m: string) => void): void {
  if (version !== '1.1' && !f.has(CR + 'arrayShape') && !f.has(CR + 'isArray')) return;
  const shape = f.get(CR + 'arrayShape');
  if (shape === undefined) return;
  if (f.get(CR + 'isArray') !== true) err(where, `Field ${fid} defines \`array_shape\`, but \`is_array\` is False.`);
  if (typeof shape !== 'string' || !/^\(?\s*-?\d+(\s*,\s*-?\d+)*\s*,?\s*\)?$/.test(shape)) {
    err(where, `Field ${fid}'s attribute array_shape \`${String(shape)}\` cannot be parsed as a tuple of comma-separated values.`);
  }
}

/** `name` and `description` anywhere must be text: a string, a language map, or JSON-LD value objects. */
function checkTexts(raw: unknown, terms: TermExpander, err: (w: string, m: string) => void, root: string): void {
  const pyType = (v: unknown) =>
    typeof v === 'boolean'
      ? 'bool'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'int'
          : 'float'
        : Array.isArray(v)
          ? 'list'
          : v === null
            ? 'NoneType'
            : typeof v === 'object'
              ? 'dict'
              : typeof v;
  const bad = (key: string, v: unknown) => err(root, `\`${key}\` should have type ${SC}Text, but got ${pyType(v)}`);
  const checkValue = (key: string, v: unknown) => {
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (typeof item === 'string') continue;
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const o = item as Record<string, unknown>;
        if ('@value' in o) {
          if (typeof o['@value'] !== 'string') bad(key, o['@value']);
          continue;
        }
        for (const inner of Object.values(o)) if (typeof inner !== 'string') bad(key, inner);
        continue;
      }
      bad(key, item);
    }
  };
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === '@context' || k === 'data' || k === 'examples') continue;
      const iri = terms.expand(k);
      if (iri === SC + 'name' || iri === SC + 'description') checkValue(k, v);
      else walk(v);
    }
  };
  walk(raw);
}
