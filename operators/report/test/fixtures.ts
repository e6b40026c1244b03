import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Float64, Int32, Table, Utf8, Bool, vectorFromArray, type Vector } from 'apache-arrow';
import type { Kysely } from 'kysely';
import { tableToParquet } from '@datanet/pipelines';
import { decideFile, openRegistry, recordContributions, recordSubmission, LimitsSchema } from '@datanet/datanet';
import type { ReportInputs } from '../src/index.js';

export const DATANET = 'report-test';
export const ALICE = '0x' + 'a1'.repeat(20);
export const BOB = '0x' + 'b2'.repeat(20);
export const CAROL = '0x' + 'c3'.repeat(20);
/** Named by a forged submission: never authenticated, so never in the registry's file counts. */
export const MALLORY = '0x' + 'dd'.repeat(20);

/** A readable paragraph of about a hundred words; `edit` swaps a few words for a near duplicate. */
export function paragraph(topic: string, edit = 0): string {
  const s = [
    `What is ${topic}? ${topic} is a long term condition that many people live with for years.`,
    `Doctors diagnose ${topic} from the symptoms a patient describes, a physical examination and sometimes laboratory tests.`,
    `Treatment of ${topic} usually combines medicine, changes to daily habits and regular visits to a specialist.`,
    `People with ${topic} should ask their doctor which warning signs mean they need care the same day.`,
    `Research on ${topic} continues, and new treatments are tested in clinical trials every year.`,
    `Support groups help patients and families share practical advice about living well with ${topic}.`,
  ].join(' ');
  if (!edit) return s;
  const words = s.split(' ');
  for (let k = 0; k < edit; k++) words[10 + k * 17] = `changed${k}`;
  return words.join(' ');
}

export interface AcceptedRow {
  id: string;
  contributor: string;
  text: string;
  submission_id: string;
  source_file: string;
  record_index: number;
}

/** Three contributors, nine accepted records, intake rejections for Bob, Carol and a forged submission. */
export function fixtureRows() {
  const accepted: AcceptedRow[] = [
    { id: 'r1', contributor: ALICE, text: paragraph('glaucoma'), submission_id: 'sa', source_file: 'a1.txt', record_index: 0 },
    { id: 'r2', contributor: ALICE, text: paragraph('asthma'), submission_id: 'sa', source_file: 'a1.txt', record_index: 1 },
    { id: 'r3', contributor: ALICE, text: paragraph('anemia'), submission_id: 'sa', source_file: 'a2.jsonl', record_index: 0 },
    { id: 'r4', contributor: BOB, text: paragraph('glaucoma'), submission_id: 'sb', source_file: 'b1.txt', record_index: 0 },
    { id: 'r5', contributor: BOB, text: paragraph('glaucoma', 2), submission_id: 'sb', source_file: 'b1.txt', record_index: 1 },
    { id: 'r6', contributor: BOB, text: 'ok', submission_id: 'sb', source_file: 'b2.txt', record_index: 0 },
    { id: 'r7', contributor: CAROL, text: paragraph('migraine', 1), submission_id: 'sc', source_file: 'c1.txt', record_index: 0 },
    { id: 'r8', contributor: CAROL, text: paragraph('eczema'), submission_id: 'sc', source_file: 'c1.txt', record_index: 1 },
    {
      id: 'r9',
      contributor: CAROL,
      text: paragraph('gout').replace(/\./g, ''),
      submission_id: 'sc',
      source_file: 'c1.txt',
      record_index: 2,
    },
  ];
  const rejections = [
    {
      submission_id: 'sb',
      file: 'b3.txt',
      record_index: -1,
      contributor: BOB,
      reason_code: 'invalid_utf8',
      message: 'b3.txt: byte 0xff at offset 12 is not UTF-8',
    },
    { submission_id: 'sc', file: 'c2.txt', record_index: -1, contributor: CAROL, reason_code: 'empty_file', message: 'c2.txt is empty' },
    {
      submission_id: 'sm',
      file: '',
      record_index: -1,
      contributor: MALLORY,
      reason_code: 'bad_signature',
      message: 'the signature does not recover the claimed address',
    },
  ];
  // What dedupe decided: r4 is an exact copy of r1, r5 a near copy of r1, r7 a near copy of a record of an earlier run.
  const exactDuplicates = [{ row: accepted[3], of: 'r1', similarity: 1 }];
  const nearDuplicates = [
    { row: accepted[4], of: 'r1', similarity: 0.84 },
    { row: accepted[6], of: 'old-1', similarity: 0.91 },
  ];
  const rules = ['gopher.min_words', 'c4.terminal_punct', 'fineweb.line_punct'];
  const qualityRejected = [
    {
      row: accepted[5],
      rule: 'gopher.min_words',
      reason: '1 words, fewer than 50',
      value: 1,
      threshold: 50,
      failed_rules: 'gopher.min_words,c4.terminal_punct',
    },
    {
      row: accepted[8],
      rule: 'c4.terminal_punct',
      reason: 'no line ends in punctuation',
      value: 0,
      threshold: 1,
      failed_rules: 'c4.terminal_punct',
    },
  ];
  const scored = accepted.filter((r) => !['r4', 'r5', 'r7'].includes(r.id));
  const failedOf = (id: string) => qualityRejected.find((q) => q.row.id === id)?.failed_rules.split(',') ?? [];
  const scores = scored.map((r) => ({
    id: r.id,
    passed: failedOf(r.id).length === 0,
    quality_score: 1 - failedOf(r.id).length / rules.length,
  }));
  const qualityReport = {
    operator: 'quality.filter',
    records: scored.length,
    kept: scored.length - qualityRejected.length,
    rejected: qualityRejected.length,
    rules: rules.map((rule) => {
      const failed = qualityRejected.filter((q) => q.failed_rules.split(',').includes(rule)).length;
      return {
        rule,
        family: rule.split('.')[0],
        threshold: 1,
        failed,
        firstFailure: qualityRejected.filter((q) => q.rule === rule).length,
        passRate: 1 - failed / scored.length,
      };
    }),
  };
  return { accepted, rejections, exactDuplicates, nearDuplicates, qualityRejected, scores, qualityReport, rules };
}

const utf8 = (v: (string | null)[]) => vectorFromArray(v, new Utf8());
const int32 = (v: number[]) => vectorFromArray(v, new Int32());
const f64 = (v: number[]) => vectorFromArray(v, new Float64());

function acceptedColumns(rows: AcceptedRow[]): Record<string, Vector> {
  return {
    id: utf8(rows.map((r) => r.id)),
    datanet: utf8(rows.map(() => DATANET)),
    contributor: utf8(rows.map((r) => r.contributor)),
    text: utf8(rows.map((r) => r.text)),
    submission_id: utf8(rows.map((r) => r.submission_id)),
    source_file: utf8(rows.map((r) => r.source_file)),
    record_index: int32(rows.map((r) => r.record_index)),
  };
}

export function fixtureTables() {
  const f = fixtureRows();
  const dup = (d: typeof f.exactDuplicates) =>
    new Table({
      ...acceptedColumns(d.map((x) => x.row)),
      duplicate_of: utf8(d.map((x) => x.of)),
      cluster_id: utf8(d.map((x) => x.of)),
      similarity: f64(d.map((x) => x.similarity)),
    });
  return {
    rows: f,
    accepted: new Table(acceptedColumns(f.accepted)),
    rejections: new Table({
      datanet: utf8(f.rejections.map(() => DATANET)),
      submission_id: utf8(f.rejections.map((r) => r.submission_id)),
      file: utf8(f.rejections.map((r) => r.file)),
      record_index: int32(f.rejections.map((r) => r.record_index)),
      contributor: utf8(f.rejections.map((r) => r.contributor)),
      reason_code: utf8(f.rejections.map((r) => r.reason_code)),
      message: utf8(f.rejections.map((r) => r.message)),
      duplicate_of: utf8(f.rejections.map(() => null)),
    }),
    exactDuplicates: dup(f.exactDuplicates),
    nearDuplicates: dup(f.nearDuplicates),
    // The quality step saw the dedupe output, whose rows carry no contributor: the report looks it up.
    qualityRejected: new Table({
      id: utf8(f.qualityRejected.map((q) => q.row.id)),
      text: utf8(f.qualityRejected.map((q) => q.row.text)),
      rule: utf8(f.qualityRejected.map((q) => q.rule)),
      reason: utf8(f.qualityRejected.map((q) => q.reason)),
      value: f64(f.qualityRejected.map((q) => q.value)),
      threshold: f64(f.qualityRejected.map((q) => q.threshold)),
      failed_rules: utf8(f.qualityRejected.map((q) => q.failed_rules)),
    }),
    scores: new Table({
      id: utf8(f.scores.map((s) => s.id)),
      passed: vectorFromArray(
        f.scores.map((s) => s.passed),
        new Bool(),
      ),
      quality_score: f64(f.scores.map((s) => s.quality_score)),
    }),
  };
}

/** Writes the fixture tables as Parquet files under `dir` and returns them as report inputs. */
export async function writeFixtureInputs(dir: string, options: { withQualityReport?: boolean } = {}): Promise<ReportInputs> {
  await mkdir(dir, { recursive: true });
  const t = fixtureTables();
  const put = async (name: string, table: Table) => {
    const path = join(dir, `${name}.parquet`);
    await writeFile(path, await tableToParquet(table));
    return path;
  };
  return {
    accepted: [{ path: await put('accepted', t.accepted) }],
    rejections: [{ path: await put('rejections', t.rejections) }],
    duplicates: [
      { path: await put('exact', t.exactDuplicates), label: 'exact_duplicate' },
      { path: await put('near', t.nearDuplicates), label: 'near_duplicate' },
    ],
    qualityRejected: [{ path: await put('quality-rejected', t.qualityRejected) }],
    qualityScores: [{ path: await put('scores', t.scores) }],
    qualityReports: options.withQualityReport === false ? [] : [t.rows.qualityReport],
  };
}

/**
 * The registry's view of the same intake: Alice 2 of 2 files accepted, Bob 2 of 3, Carol 1 of 2;
 * Mallory's forged submission is not recorded as anyone's files.
 */
export async function seedRegistry(db: Kysely<any>, dialect: 'postgres' | 'pglite'): Promise<void> {
  await openRegistry(db, dialect);
  const limits = LimitsSchema.parse({});
  const f = fixtureRows();
  const now = Date.UTC(2026, 0, 15, 12);
  const subs = [
    { id: 'sa', contributor: ALICE, files: ['a1.txt', 'a2.jsonl'] },
    { id: 'sb', contributor: BOB, files: ['b1.txt', 'b2.txt', 'b3.txt'] },
    { id: 'sc', contributor: CAROL, files: ['c1.txt', 'c2.txt'] },
  ];
  for (const s of subs) {
    await recordSubmission(db, {
      id: s.id,
      datanet: DATANET,
      contributor: s.contributor,
      nonce: `n-${s.id}`,
      signedAt: now,
      receivedAt: now,
      inboxEntry: s.id,
      fileCount: s.files.length,
    });
    for (const name of s.files) {
      const rej = f.rejections.find((r) => r.submission_id === s.id && r.file === name);
      await decideFile(db, {
        submissionId: s.id,
        name,
        datanet: DATANET,
        contributor: s.contributor,
        size: 100,
        sha256: `${s.id}-${name}`,
        limits,
        now,
        rejection: rej ? { reasonCode: rej.reason_code, message: rej.message } : undefined,
      });
    }
  }
  await recordContributions(
    db,
    f.accepted.map((r) => ({
      id: r.id,
      datanet: DATANET,
      contributor: r.contributor,
      submissionId: r.submission_id,
      sourceFile: r.source_file,
      recordIndex: r.record_index,
      licence: 'CC-BY-4.0',
      consent: 'training',
      submittedAt: now,
      validatorVersion: 'test',
    })),
    { now },
  );
}
