// Real short structured records for the short-record near-duplicate set, from three sources the
// project has on every machine or beside it: the package.json metadata of node_modules (name,
// version, description, author, keywords), MedQuAD's questions with their focus terms, and the
// name/description records of the Croissant example metadata. Read in place, never copied.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '@datanet/pipelines/testing';
import { loadMedQuadRows } from './corpora.js';

/** A field of a record; `list` fields (authors, keywords) are what people reorder. */
export interface RecordField {
  role: 'title' | 'text' | 'names' | 'tags' | 'number' | 'venue';
  value: string | string[];
}

export interface ShortRecord {
  source: 'npm' | 'medquad' | 'croissant';
  key: string;
  fields: RecordField[];
}

/** How a record is written out: fields in order, list items joined by commas, fields by '. '. */
export function renderRecord(fields: RecordField[], sep = '. ', listSep = ', '): string {
  return fields
    .map((f) => (Array.isArray(f.value) ? f.value.join(listSep) : f.value))
    .filter((v) => v.length > 0)
    .join(sep);
}

const personName = (p: unknown): string | undefined => {
  if (typeof p === 'string') return p.replace(/<[^>]*>|\([^)]*\)/g, '').trim() || undefined;
  if (p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string') return (p as { name: string }).name.trim();
  return undefined;
};

/**
 * One record per package name (the first found): name, version, description, authors, keywords,
 * licence. `people` and `keywords` cap the lists (6 and 8: most records stay under 250
 * characters; the longer-records band of the bench lifts them to 12 and 30, with maintainers).
 */
export function npmRecords(root: string, { people: maxPeople = 6, keywords: maxKeywords = 8, maintainers = false } = {}): ShortRecord[] {
  const nm = join(root, 'node_modules');
  if (!existsSync(nm)) return [];
  const dirs: string[] = [];
  for (const d of readdirSync(nm)) {
    if (d.startsWith('.')) continue;
    if (d.startsWith('@')) for (const s of readdirSync(join(nm, d))) dirs.push(join(nm, d, s));
    else dirs.push(join(nm, d));
  }
  const out: ShortRecord[] = [];
  const names = new Set<string>();
  for (const dir of dirs.sort()) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    // An aliased install (string-width-cjs) is the same package again: one record per name.
    if (typeof p.name !== 'string' || typeof p.description !== 'string' || p.description.length < 20 || names.has(p.name)) continue;
    names.add(p.name);
    const people = [
      p.author,
      ...(Array.isArray(p.contributors) ? p.contributors : []),
      ...(maintainers && Array.isArray(p.maintainers) ? p.maintainers : []),
    ]
      .map(personName)
      .filter((x): x is string => !!x);
    const authors = [...new Set(people)].slice(0, maxPeople);
    const keywords = Array.isArray(p.keywords) ? p.keywords.filter((k): k is string => typeof k === 'string').slice(0, maxKeywords) : [];
    const fields: RecordField[] = [
      { role: 'title', value: p.name },
      { role: 'number', value: String(p.version ?? '') },
      { role: 'text', value: p.description.trim() },
    ];
    if (authors.length) fields.push({ role: 'names', value: authors });
    if (keywords.length) fields.push({ role: 'tags', value: keywords });
    if (typeof p.license === 'string') fields.push({ role: 'venue', value: p.license });
    out.push({ source: 'npm', key: p.name, fields });
  }
  return out;
}

/** MedQuAD questions with their focus term, question type and NIH site (one per distinct question). */
export function medquadRecords(): ShortRecord[] {
  const rows = loadMedQuadRows();
  if (!rows) return [];
  const seen = new Set<string>();
  const out: ShortRecord[] = [];
  for (const r of rows) {
    const q = String(r.question ?? '').trim();
    const norm = q.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
    if (!q || seen.has(norm)) continue;
    seen.add(norm);
    out.push({
      source: 'medquad',
      key: `${r.source}:${r.id}`,
      fields: [
        { role: 'title', value: q },
        { role: 'text', value: String(r.focus ?? '') },
        { role: 'tags', value: [String(r.qtype ?? '')] },
        { role: 'venue', value: String(r.source ?? '') },
      ],
    });
  }
  return out;
}

/** Every object with a name and a description in the Croissant example metadata (datasets, record sets, fields). */
export function croissantRecords(): ShortRecord[] {
  const dir = corpusPath('croissant');
  if (!dir) return [];
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.json')) files.push(join(d, e.name));
    }
  };
  walk(dir);
  const seen = new Set<string>();
  const out: ShortRecord[] = [];
  for (const file of files.sort()) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    const visit = (x: unknown) => {
      if (Array.isArray(x)) return x.forEach(visit);
      if (!x || typeof x !== 'object') return;
      const o = x as Record<string, unknown>;
      if (typeof o.name === 'string' && typeof o.description === 'string') {
        const desc = o.description.replace(/\s+/g, ' ').trim().slice(0, 300);
        const key = `${o.name}\u0000${desc}`;
        if (desc.length >= 10 && !seen.has(key)) {
          seen.add(key);
          const creators = [o.creator]
            .flat()
            .map(personName)
            .filter((n): n is string => !!n);
          const type = [o.dataType, o['@type']].flat().filter((t): t is string => typeof t === 'string');
          const fields: RecordField[] = [
            { role: 'title', value: o.name },
            { role: 'text', value: desc },
          ];
          if (creators.length) fields.push({ role: 'names', value: creators });
          if (type.length) fields.push({ role: 'tags', value: type });
          if (typeof o.datePublished === 'string') fields.push({ role: 'number', value: o.datePublished });
          out.push({ source: 'croissant', key: `${file.slice(dir.length + 1)}#${o.name}#${out.length}`, fields });
        }
      }
      Object.values(o).forEach(visit);
    };
    visit(doc);
  }
  return out;
}
