import type { Table } from 'apache-arrow';
import { seededRandom, shuffleInPlace } from '../builtin/rng.js';
import { formatExample } from '../builtin/tokenizer.js';

export interface SplitTexts {
  train: string[];
  eval: string[];
  /** Rows available before subsampling. */
  available: { train: number; eval: number };
}

function column(table: Table, name: string): (string | null)[] | undefined {
  const v = table.getChild(name);
  return v ? (v.toArray() as (string | null)[]) : undefined;
}

/** Runs of blanks (MedQuAD answers carry page indentation) cost a byte-level model its whole context. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim();
}

function stableBucket(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h / 4294967296;
}

/**
 * Training texts from a dataset table: `prompt` + `response` (formatted as in generation) or
 * `text`; the split column says train/eval, else a hash of the text decides with evalFraction.
 * Subsamples are seeded, so the same table and config give the same rows.
 */
export function datasetTexts(
  table: Table,
  opts: { splitColumn: string; evalFraction: number; maxTrainRows?: number; maxEvalRows?: number; seed: number; source: string },
): SplitTexts {
  const prompt = column(table, 'prompt');
  const response = column(table, 'response');
  const text = column(table, 'text');
  const names = table.schema.fields.map((f) => f.name);
  let texts: (string | null)[];
  if (prompt && response) texts = prompt.map((p, i) => (p && response[i] ? formatExample(tidy(p), tidy(response[i]!)) : null));
  else if (text) texts = text.map((t) => (t ? tidy(t) : null));
  else throw new Error(`${opts.source}: the dataset needs prompt + response columns or a text column; it has ${names.join(', ')}`);
  const split = column(table, opts.splitColumn);
  const train: string[] = [];
  const evalRows: string[] = [];
  texts.forEach((t, i) => {
    if (!t) return;
    const s = split ? split[i] : stableBucket(t) < opts.evalFraction ? 'eval' : 'train';
    if (s === 'eval' || s === 'validation' || s === 'test') evalRows.push(t);
    else if (s === 'train') train.push(t);
    else throw new Error(`${opts.source}: row ${i}: ${opts.splitColumn} is ${JSON.stringify(s)}; expected train or eval`);
  });
  const rand = seededRandom(opts.seed ^ 0x5eed);
  const sample = (rows: string[], max?: number) => (max && rows.length > max ? shuffleInPlace([...rows], rand).slice(0, max) : rows);
  return {
    train: sample(train, opts.maxTrainRows),
    eval: sample(evalRows, opts.maxEvalRows),
    available: { train: train.length, eval: evalRows.length },
  };
}
