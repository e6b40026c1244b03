import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Wallet } from 'ethers';
import { demoWallet } from '../demo/submit-groups.js';
import type { DatanetDefinition } from '@datanet/datanet';
import { submitGroups } from '../demo/submit-groups.js';

/**
 * DEMO KEYS ONLY. Each MedQuAD source site becomes a contributor whose private key is
 * keccak256("<seed>:<source>"): anyone who knows the seed can sign as these contributors. They
 * exist so the demo is reproducible; never use them for anything of value.
 */
export const MEDQUAD_DEMO_SEED = 'datanet-medquad-demo';

/** Fields of a MedQuAD line that go into the submitted JSONL records. */
const FIELDS = ['question', 'answer', 'source', 'focus', 'qtype', 'url'] as const;

export function medquadDemoWallet(source: string, seed = MEDQUAD_DEMO_SEED): Wallet {
  return demoWallet(source, seed);
}

export interface MedquadSubmitOptions {
  /** `medquad_with_answers.jsonl.gz` or a `.jsonl` sample. */
  corpus: string;
  definition: DatanetDefinition;
  inbox: string;
  seed?: string;
  recordsPerFile?: number;
  /** At most this many records per source (quick demos); all by default. */
  limitPerSource?: number;
  /** Signing time of the first submission (ms; default now, as intake refuses stale ones); later ones follow by one ms. */
  timestamp?: number;
  licence?: string;
  /** Upload to this `datanet serve` instead of writing into `inbox`. */
  server?: string;
}

export interface MedquadSubmission {
  source: string;
  contributor: string;
  entry: string;
  submissionId: string;
  files: number;
  records: number;
  bytes: number;
  /** False when the same signed submission was already in the inbox. */
  written: boolean;
}

/**
 * Signs MedQuAD into a Datanet inbox: one contributor per source site (deterministic demo keys),
 * JSONL files of `recordsPerFile` records, at most `filesPerSubmission` files per submission.
 * Keys, nonces and entry names are deterministic, so a re-run finds its entries already there (or
 * moved to processed/ by intake) and writes nothing. Signing times are fresh: intake refuses
 * signing times older than the Datanet's maxSubmissionAge.
 *
 * The daily byte cap is checked up front: every MedQuAD site fits in 10 MiB a day (the largest,
 * GARD, is about 8 MiB of JSONL), so the whole corpus is submitted on one day with the design's
 * default limits. A corpus that does not fit fails here with the numbers, rather than being cut
 * at intake.
 */
export async function submitMedquad(o: MedquadSubmitOptions): Promise<MedquadSubmission[]> {
  const licence = o.licence ?? 'CC-BY-4.0';
  if (!o.definition.licences.includes(licence))
    throw new Error(`Datanet ${o.definition.id} does not accept licence ${licence} (MedQuAD is CC-BY-4.0)`);
  const bySource = await readMedquad(o.corpus, o.limitPerSource);
  const groups = new Map(
    [...bySource].map(([source, rows]) => [source, rows.map((r) => Object.fromEntries(FIELDS.map((f) => [f, r[f] ?? null])))]),
  );
  const subs = await submitGroups({
    groups,
    definition: o.definition,
    inbox: o.inbox,
    seed: o.seed ?? MEDQUAD_DEMO_SEED,
    recordsPerFile: o.recordsPerFile,
    timestamp: o.timestamp,
    licence,
    label: 'MedQuAD source',
    server: o.server,
  });
  return subs.map(({ group, ...s }) => ({ source: group, ...s }));
}

type MedquadRow = Partial<Record<(typeof FIELDS)[number], string>>;

/** Reads MedQuAD lines grouped by `source`, sources in order of first appearance. */
export async function readMedquad(path: string, limitPerSource?: number): Promise<Map<string, MedquadRow[]>> {
  if (!existsSync(path))
    throw new Error(`MedQuAD corpus ${path} not found; pass the path of medquad_with_answers.jsonl.gz (see ../shared/corpora/medquad)`);
  let bytes = await readFile(path);
  if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  const groups = new Map<string, MedquadRow[]>();
  bytes
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let row: MedquadRow;
      try {
        row = JSON.parse(line);
      } catch {
        throw new Error(`${path}:${i + 1}: not a JSON line`);
      }
      if (!row.source) throw new Error(`${path}:${i + 1}: no "source" field, so the contributor is unknown`);
      const list = groups.get(row.source) ?? [];
      if (limitPerSource === undefined || list.length < limitPerSource) list.push(row);
      groups.set(row.source, list);
    });
  return groups;
}
