// The labelled set for dedupe.reuse, built from MedQuAD answers: earlier contributions (sources),
// new records that copy a contiguous part of one source (25%, 50% or 75% of its words) verbatim,
// with light edits (sparse, or dense as people revise) or rewritten heavily, padded before and after with unrelated answers' text,
// and independent records: another answer on the same focus from the same NIH site (another
// question about the same disease), which shares the topic's vocabulary but was written apart.
import { mulberry32 } from '../src/hash.js';
import { normalizeText } from '../src/normalize.js';
import { loadMedQuadRows } from './corpora.js';

export type CopyKind = 'verbatim' | 'light' | 'dense' | 'heavy';

export interface ReuseCase {
  id: string;
  text: string;
  /** The source it copies (undefined for independent records). */
  sourceId?: string;
  kind: CopyKind | 'independent';
  /** Share of the source's words copied. */
  fraction?: number;
}

export interface ReuseSet {
  sources: { id: string; text: string }[];
  cases: ReuseCase[];
  /** Same-focus answers left out as negatives because they share an 8-word run with the set: MedQuAD's own reuse. */
  notIndependent: number;
}

const RUN = 8;
const runs = (text: string): string[] => {
  const w = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + RUN <= w.length; i++) out.push(w.slice(i, i + RUN).join(' '));
  return out;
};

const FILLER = ['also', 'often', 'usually', 'in general', 'notably', 'importantly'];

/** A light edit: about one word in eight replaced, dropped or preceded by a filler, case and punctuation untouched. */
function lightEdit(words: string[], r: () => number, pool: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const x = r();
    if (x < 0.05) out.push(pool[Math.floor(r() * pool.length)]);
    else if (x < 0.08) continue;
    else if (x < 0.125) out.push(FILLER[Math.floor(r() * FILLER.length)], w);
    else out.push(w);
  }
  return out;
}

/** A trailing inflection changed: -s added or dropped, -ed/-ing swapped or added (tense, number). */
function inflect(w: string, r: () => number): string {
  const m = /^(.*?)([.,;:!?)]*)$/.exec(w)!;
  const [, body, tail] = m;
  if (!/[a-z]{3,}$/.test(body)) return w;
  let out: string;
  if (body.endsWith('ing')) out = body.slice(0, -3) + (r() < 0.5 ? 'ed' : 's');
  else if (body.endsWith('ed')) out = body.slice(0, -2) + (r() < 0.5 ? 'ing' : 's');
  else if (body.endsWith('s')) out = body.slice(0, -1);
  else out = body + (r() < 0.6 ? 's' : r() < 0.5 ? 'ed' : 'ing');
  return out + tail;
}

/**
 * A dense light revision, as people asked to copy "with light edits" write it: about one word in
 * four changed: replaced by another word, dropped, a word inserted before it, swapped with the
 * next word, or its inflection changed (number, tense). Sentence order is kept.
 */
function denseEdit(words: string[], r: () => number, pool: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const x = r();
    if (x < 0.07) out.push(pool[Math.floor(r() * pool.length)]);
    else if (x < 0.11) continue;
    else if (x < 0.15) out.push(r() < 0.5 ? FILLER[Math.floor(r() * FILLER.length)] : pool[Math.floor(r() * pool.length)], w);
    else if (x < 0.19 && i + 1 < words.length) {
      out.push(words[i + 1], w);
      i++;
    } else if (x < 0.25) out.push(inflect(w, r));
    else out.push(w);
  }
  return out;
}

/** A heavy rewrite: sentences reordered and about one word in three replaced or dropped. */
function heavyEdit(words: string[], r: () => number, pool: string[]): string[] {
  const sentences: string[][] = [[]];
  for (const w of words) {
    sentences[sentences.length - 1].push(w);
    if (/[.!?]$/.test(w)) sentences.push([]);
  }
  for (let i = sentences.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [sentences[i], sentences[j]] = [sentences[j], sentences[i]];
  }
  return sentences.flat().flatMap((w) => {
    const x = r();
    if (x < 0.2) return [pool[Math.floor(r() * pool.length)]];
    if (x < 0.33) return [];
    return [w];
  });
}

export function buildReuseSet(perCell = 40, seed = 23): ReuseSet | undefined {
  const rows = loadMedQuadRows();
  if (!rows) return undefined;
  const rand = mulberry32(seed);
  const r = () => rand() / 4294967296;
  // One answer per distinct text (MedQuAD repeats answers across sites and questions).
  const seen = new Set<string>();
  const answers = rows
    .map((x, i) => ({ id: `mq${i}`, text: x.answer.replace(/\s+/g, ' ').trim(), focus: `${x.source}:${x.focus}`, qtype: x.qtype }))
    .filter((a) => {
      const n = a.text.split(' ').length;
      const key = normalizeText(a.text);
      if (n < 120 || n > 400 || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const byFocus = new Map<string, typeof answers>();
  for (const a of answers) (byFocus.get(a.focus) ?? byFocus.set(a.focus, []).get(a.focus)!).push(a);
  // Sources come from foci with a second answer (the independent record on the same topic).
  const pairs = [...byFocus.values()].filter((v) => v.length >= 2).sort(() => r() - 0.5);
  const kinds: CopyKind[] = ['verbatim', 'light', 'heavy'];
  const fractions = [0.25, 0.5, 0.75];
  const cells = kinds.length * fractions.length;
  const used = pairs.slice(0, perCell * cells);
  const usedIds = new Set(used.flat().map((a) => a.id));
  const padding = answers.filter((a) => !usedIds.has(a.id) && !byFocus.get(a.focus)!.some((b) => usedIds.has(b.id)));
  const pool = padding.flatMap((a) => a.text.split(' ')).filter((w) => /^[a-z]{4,}$/.test(w));
  const sources: ReuseSet['sources'] = [];
  const cases: ReuseCase[] = [];
  const others: (typeof answers)[] = [];
  used.forEach((group, i) => {
    const [src, ...rest] = group;
    others.push(rest);
    sources.push({ id: src.id, text: src.text });
    const kind = kinds[i % kinds.length];
    const fraction = fractions[Math.floor(i / kinds.length) % fractions.length];
    const w = src.text.split(' ');
    const len = Math.max(5, Math.round(w.length * fraction));
    const at = Math.floor(r() * (w.length - len + 1));
    const part = w.slice(at, at + len);
    const copied = kind === 'verbatim' ? part : kind === 'light' ? lightEdit(part, r, pool) : heavyEdit(part, r, pool);
    // Padding of 0.5x to 1.5x the copied length, split before and after, from unrelated answers.
    const pad = padding[Math.floor(r() * padding.length)].text.split(' ');
    const padLen = Math.min(pad.length, Math.round(len * (0.5 + r())));
    const cut = Math.floor(r() * (padLen + 1));
    const text = [...pad.slice(0, cut), ...copied, ...pad.slice(cut, padLen)].join(' ');
    cases.push({ id: `copy${i}`, text, sourceId: src.id, kind, fraction });
  });
  // Independent records: another answer on the same focus that shares no 8-word run with any
  // source, new record or other independent record of the set. MedQuAD's sites copy each other (and their own answers) a
  // lot, so "same focus" alone would label real copies as independent; how many were left out
  // for that is reported.
  const seenRuns = new Set([...sources, ...cases].flatMap((x) => runs(x.text)));
  let notIndependent = 0;
  others.forEach((rest, i) => {
    const other = rest.find((a) => {
      const ok = !runs(a.text).some((x) => seenRuns.has(x));
      if (!ok) notIndependent++;
      return ok;
    });
    if (other) {
      cases.push({ id: `indep${i}`, text: other.text, kind: 'independent' });
      for (const x of runs(other.text)) seenRuns.add(x);
    }
  });
  for (let i = cases.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [cases[i], cases[j]] = [cases[j], cases[i]];
  }
  // Dense light revisions, added after the rest with a stream of their own so that the cases
  // above stay as they were: a second copy of each source copied with light edits, same share,
  // its own part and padding (none sharing an 8-word run with an independent record), placed at
  // a random point of the stream.
  const rand2 = mulberry32(seed ^ 0x5eed);
  const r2 = () => rand2() / 4294967296;
  const indepRuns = new Set(cases.filter((c) => c.kind === 'independent').flatMap((c) => runs(c.text)));
  const cleanPadding = padding.filter((a) => !runs(a.text).some((x) => indepRuns.has(x)));
  used.forEach((group, i) => {
    if (kinds[i % kinds.length] !== 'light') return;
    const src = group[0];
    const fraction = fractions[Math.floor(i / kinds.length) % fractions.length];
    const w = src.text.split(' ');
    const len = Math.max(5, Math.round(w.length * fraction));
    const at = Math.floor(r2() * (w.length - len + 1));
    const copied = denseEdit(w.slice(at, at + len), r2, pool);
    const pad = cleanPadding[Math.floor(r2() * cleanPadding.length)].text.split(' ');
    const padLen = Math.min(pad.length, Math.round(len * (0.5 + r2())));
    const cut = Math.floor(r2() * (padLen + 1));
    const text = [...pad.slice(0, cut), ...copied, ...pad.slice(cut, padLen)].join(' ');
    cases.splice(Math.floor(r2() * (cases.length + 1)), 0, { id: `dense${i}`, text, sourceId: src.id, kind: 'dense', fraction });
  });
  return { sources, cases, notIndependent };
}
