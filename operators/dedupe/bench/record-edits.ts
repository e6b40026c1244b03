// Controlled edits of the kinds people make when they enter the same short record twice: authors
// or keywords reordered, names cut to initials, venue-like words abbreviated, a field dropped,
// typos, changed case, different punctuation, numbers written another way, and mixes of these.
// Each edit is seeded, and returns undefined when it does not apply to a record (no list to
// reorder, no names to cut), so the set reports how many pairs each kind really has.
import { renderRecord, type RecordField, type ShortRecord } from './short-records.js';

export const EDIT_KINDS = ['reorder', 'initials', 'abbreviate', 'drop', 'typo', 'case', 'punctuation', 'numbers', 'mixed'] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

type Rand = () => number;
const pickOne = <T>(r: Rand, xs: T[]): T => xs[Math.floor(r() * xs.length)];
const clone = (fields: RecordField[]): RecordField[] =>
  fields.map((f) => ({ ...f, value: Array.isArray(f.value) ? [...f.value] : f.value }));
const STOP = new Set(['of', 'the', 'and', 'for', 'in', 'on', 'a', 'an', 'to', 'with']);

function shuffleMoved<T>(r: Rand, xs: T[]): T[] {
  for (let k = 0; k < 10; k++) {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    if (out.some((x, i) => x !== xs[i])) return out;
  }
  return [...xs].reverse();
}

function reorder(r: Rand, f: RecordField[]): RecordField[] | undefined {
  const lists = f.filter((x) => Array.isArray(x.value) && x.value.length >= 2);
  if (lists.length) {
    const l = pickOne(r, lists);
    l.value = shuffleMoved(r, l.value as string[]);
    return f;
  }
  // No list: the fields themselves move (the title stays first).
  if (f.length < 3) return undefined;
  const i = 1 + Math.floor(r() * (f.length - 2));
  [f[i], f[i + 1]] = [f[i + 1], f[i]];
  return f;
}

/** "John Adam Smith" -> "Smith J. A." or "J. A. Smith" (both forms are common in references). */
function initials(r: Rand, f: RecordField[]): RecordField[] | undefined {
  const names = f.find((x) => x.role === 'names');
  if (!names) return undefined;
  const list = names.value as string[];
  const surnameFirst = r() < 0.5;
  let changed = false;
  names.value = list.map((n) => {
    const parts = n.split(/\s+/).filter(Boolean);
    if (parts.length < 2) return n;
    changed = true;
    const last = parts[parts.length - 1];
    const given = parts.slice(0, -1).map((p) => `${p[0].toUpperCase()}.`);
    return surnameFirst ? `${last} ${given.join('')}` : `${given.join(' ')} ${last}`;
  });
  return changed ? f : undefined;
}

/** Venue-style abbreviation of the longest non-title text: stopwords go, long words keep 3-5 letters and a dot. */
function abbreviate(r: Rand, f: RecordField[]): RecordField[] | undefined {
  const candidates = f.filter((x, i) => i > 0 && typeof x.value === 'string' && /[A-Za-z]{6,}/.test(x.value));
  if (!candidates.length) return undefined;
  const target = candidates.reduce((a, b) => ((a.value as string).length >= (b.value as string).length ? a : b));
  const words = (target.value as string).split(/\s+/);
  let changed = 0;
  const out = words.flatMap((w) => {
    if (STOP.has(w.toLowerCase()) && r() < 0.7) {
      changed++;
      return [];
    }
    const m = /^([A-Za-z]{6,})(\W*)$/.exec(w);
    if (m && r() < 0.5) {
      changed++;
      return [`${m[1].slice(0, 3 + Math.floor(r() * 3))}.${m[2]}`];
    }
    return [w];
  });
  if (!changed) return undefined;
  target.value = out.join(' ');
  return f;
}

function drop(r: Rand, f: RecordField[]): RecordField[] | undefined {
  const droppable = f.map((x, i) => i).filter((i) => i > 0 && f[i].role !== 'text');
  if (droppable.length) {
    f.splice(pickOne(r, droppable), 1);
    return f;
  }
  const lists = f.filter((x) => Array.isArray(x.value) && x.value.length >= 2);
  if (!lists.length) return undefined;
  const l = pickOne(r, lists);
  (l.value as string[]).splice(Math.floor(r() * (l.value as string[]).length), 1);
  return f;
}

const KEYS = 'qwertyuiopasdfghjklzxcvbnm';

/** 1 to 3 keyboard slips: a letter swapped with its neighbour, dropped, doubled or replaced. */
export function typos(r: Rand, text: string): string {
  let t = text;
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const letters = [...t.matchAll(/[A-Za-z]/g)].map((m) => m.index!);
    if (letters.length < 4) break;
    const i = pickOne(r, letters.slice(0, -1));
    const op = Math.floor(r() * 4);
    if (op === 0) t = t.slice(0, i) + t[i + 1] + t[i] + t.slice(i + 2);
    else if (op === 1) t = t.slice(0, i) + t.slice(i + 1);
    else if (op === 2) t = t.slice(0, i) + t[i] + t.slice(i);
    else t = t.slice(0, i) + pickOne(r, [...KEYS]) + t.slice(i + 1);
  }
  return t;
}

function changeCase(r: Rand, text: string): string {
  const mode = Math.floor(r() * 3);
  if (mode === 0) return text.toUpperCase();
  if (mode === 1) return text.toLowerCase();
  return text.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase());
}

function numbers(r: Rand, f: RecordField[]): RecordField[] | undefined {
  let changed = false;
  for (const x of f) {
    if (typeof x.value !== 'string' || !/\d/.test(x.value)) continue;
    const before = x.value;
    x.value = x.value
      .replace(/^(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c) => (r() < 0.5 ? `v${a}.${b}` : `version ${a}.${b}.${c}`))
      .replace(/\b(\d{4})-(\d{2})-(\d{2})\b/, (_, y) => y)
      .replace(/\b(\d+)\b/g, (d) => (r() < 0.3 ? `0${d}` : d));
    changed ||= x.value !== before;
  }
  return changed ? f : undefined;
}

/** The edited record's text, or undefined when the kind does not apply to this record. */
export function editRecord(rec: ShortRecord, kind: EditKind, r: Rand): string | undefined {
  const f = clone(rec.fields);
  switch (kind) {
    case 'reorder':
      return reorder(r, f) && renderRecord(f);
    case 'initials':
      return initials(r, f) && renderRecord(f);
    case 'abbreviate':
      return abbreviate(r, f) && renderRecord(f);
    case 'drop':
      return drop(r, f) && renderRecord(f);
    case 'numbers':
      return numbers(r, f) && renderRecord(f);
    case 'typo':
      return typos(r, renderRecord(f));
    case 'case':
      return changeCase(r, renderRecord(f));
    case 'punctuation':
      return renderRecord(f, pickOne(r, ['; ', ' | ', ', ', ' - ', ' ']), pickOne(r, ['; ', ' & ', ' / ', ' ']));
    case 'mixed': {
      // Two or three structural edits, then possibly typos and case: what two people typing the
      // same reference from different sources end up with.
      const steps = shuffleMoved(r, [reorder, initials, abbreviate, drop, numbers]).slice(0, 2 + Math.floor(r() * 2));
      let applied = 0;
      for (const s of steps) if (s(r, f)) applied++;
      if (!applied) return undefined;
      let t = renderRecord(f, pickOne(r, ['. ', '; ', ', ']));
      if (r() < 0.5) t = typos(r, t);
      if (r() < 0.3) t = changeCase(r, t);
      return t;
    }
  }
}
