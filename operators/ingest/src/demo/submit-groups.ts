import { Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { Wallet, id as keccakText } from 'ethers';
import type { DatanetDefinition } from '@datanet/datanet';
import { submitFiles } from '../submit/submit-files.js';

/**
 * DEMO KEYS ONLY: the key of contributor `label` is keccak256("<seed>:<label>"), so anyone who
 * knows the seed can sign as them. They make demos reproducible; never use them for anything of
 * value.
 */
export function demoWallet(label: string, seed: string): Wallet {
  return new Wallet(keccakText(`${seed}:${label}`));
}

export interface SubmitGroupsOptions {
  /** Records per contributor label, in the order to submit them. */
  groups: Map<string, Record<string, unknown>[]>;
  definition: DatanetDefinition;
  inbox: string;
  seed: string;
  recordsPerFile?: number;
  /**
   * Signing time of the first submission (ms; default now: intake refuses signing times older
   * than limits.maxSubmissionAge); later ones follow by one ms. Entry names are fixed, so a re-run
   * finds its entries (in the inbox, processed/ or quarantine/) and writes nothing.
   */
  timestamp?: number;
  licence: string;
  /** What a group is, for messages ("MedQuAD source", "contributor"). */
  label?: string;
  /** Upload to this `datanet serve` instead of writing into `inbox`. */
  server?: string;
}

export interface GroupSubmission {
  group: string;
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
 * Signs each group's records into a Datanet inbox as one contributor (deterministic demo key):
 * JSONL files of `recordsPerFile` records, at most `filesPerSubmission` files per submission.
 * Keys, nonces and entry names are deterministic, so a re-run finds its entries already there
 * (or already moved out by intake) and writes nothing; signing times are fresh, as intake requires. A group over the daily byte cap fails up
 * front with the numbers rather than being cut at intake.
 */
export async function submitGroups(o: SubmitGroupsOptions): Promise<GroupSubmission[]> {
  const perFile = o.recordsPerFile ?? 250;
  const base = o.timestamp ?? Date.now();
  const what = o.label ?? 'contributor';
  const out: GroupSubmission[] = [];
  let tick = 0;
  for (const [group, rows] of o.groups) {
    const signer = demoWallet(group, o.seed);
    const files: { name: string; bytes: Uint8Array; records: number }[] = [];
    const safe = group.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'group';
    for (let i = 0; i < rows.length; i += perFile) {
      const chunk = rows.slice(i, i + perFile);
      const text = chunk.map((r) => JSON.stringify(r)).join('\n') + '\n';
      files.push({
        name: `${safe}-${String(i / perFile + 1).padStart(4, '0')}.jsonl`,
        bytes: new TextEncoder().encode(text),
        records: chunk.length,
      });
    }
    const total = files.reduce((n, f) => n + f.bytes.length, 0);
    const cap = o.definition.limits.dailyBytesPerContributor;
    if (total > cap) {
      throw new Error(
        `${what} ${group} is ${total} bytes of JSONL, over Datanet ${o.definition.id}'s dailyBytesPerContributor (${cap}); ` +
          `raise limits.dailyBytesPerContributor in its YAML or submit less per day`,
      );
    }
    const per = o.definition.limits.filesPerSubmission;
    for (let s = 0; s < files.length; s += per) {
      const batch = files.slice(s, s + per);
      const nonceHash = keccakText(`${o.seed}:${group}:nonce:${s / per}`);
      const nonce = BigInt(nonceHash).toString();
      const submitted = await submitFiles({
        entry: `demo-${String(tick).padStart(6, '0')}-${nonceHash.slice(2, 18)}`,
        definition: o.definition,
        inbox: o.inbox,
        signer,
        files: batch,
        licence: o.licence,
        consent: o.definition.consent.required,
        timestamp: base + tick++,
        nonce,
        skipExisting: true,
        server: o.server,
      });
      out.push({
        group,
        contributor: signer.address,
        entry: submitted.entry,
        submissionId: submitted.submissionId,
        files: batch.length,
        records: batch.reduce((n, f) => n + f.records, 0),
        bytes: batch.reduce((n, f) => n + f.bytes.length, 0),
        written: submitted.written,
      });
    }
  }
  return out;
}

/** The `submissions` output of the submitting operators; the group column is named by the caller. */
export function submissionsTable(subs: GroupSubmission[], groupColumn: 'group' | 'source'): Table {
  const col = <K extends keyof GroupSubmission>(k: K) => subs.map((s) => s[k]);
  return new Table({
    [groupColumn]: vectorFromArray(col('group'), new Utf8()),
    contributor: vectorFromArray(col('contributor'), new Utf8()),
    entry: vectorFromArray(col('entry'), new Utf8()),
    submission_id: vectorFromArray(col('submissionId'), new Utf8()),
    files: makeVector(Int32Array.from(col('files'))),
    records: makeVector(Int32Array.from(col('records'))),
    bytes: makeVector(Int32Array.from(col('bytes'))),
  });
}
