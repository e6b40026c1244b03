import { describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { tableToParquet } from '@datanet/pipelines';
import { DB_ENGINES, openTestDb, runOperator } from '@datanet/pipelines/testing';
import { contributorStats, listContributions, listRejections } from '@datanet/datanet';
import { ingestSubmissions, submitFiles, contributionId, VALIDATOR_VERSION } from '../src/index.js';
import { MEDICAL_QA_YAML, docxBytes, medicalQa, pdfBytes, qaJsonl, tempDir, utf8, wallet } from './fixtures.js';

const def = medicalQa();
const TERMS = { licence: 'CC-BY-4.0', consent: ['attribution', 'training'] };
// Signing times must be fresh (limits.maxSubmissionAge): an hour ago, and Bob's a minute later.
const SIGNED = Date.now() - 3_600_000;

describe.each(DB_ENGINES)('ingest.submissions operator on %s', (engine) => {
  it('accepts every format with provenance, records the registry, and is idempotent on re-run', async () => {
    const t = await openTestDb(engine);
    try {
      const stateDir = await tempDir('ingest-op-');
      const inbox = join(stateDir, 'inbox', def.id);
      await mkdir(inbox, { recursive: true });
      const alice = wallet(`alice-${engine}`);
      const bob = wallet(`bob-${engine}`);
      const parquet = await tableToParquet(
        new Table({
          question: vectorFromArray(['What is parquetitis?', 'How is parquetitis treated?'], new Utf8()),
          answer: vectorFromArray(['A columnar inflammation.', 'With zstd compression and rest.'], new Utf8()),
        }),
      );
      const csv = utf8('question,answer,source\n"What is, with a comma?","An answer with ""quotes""\nand a newline.",csv-site\n');
      const a = await submitFiles({
        definition: def,
        inbox,
        signer: alice,
        ...TERMS,
        timestamp: SIGNED,
        files: [
          { name: 'qa.jsonl', bytes: qaJsonl(2, 'alice') },
          { name: 'qa.csv', bytes: csv },
          { name: 'qa.parquet', bytes: parquet },
          { name: 'leaflet.pdf', bytes: pdfBytes('Aspirin thins the blood and eases pain.') },
          { name: 'notes.docx', bytes: await docxBytes('Rest and fluids help most colds.') },
          { name: 'readme.md', bytes: utf8('# Hydration\n\nDrink water.') },
        ],
      });
      // Bob repeats one of Alice's records: the earliest keeps the credit.
      const dup = JSON.stringify({
        question: 'What is condition alice-0?',
        answer: 'Condition   alice-0 is a made-up disorder used in tests, number 0.',
      });
      await submitFiles({
        definition: def,
        inbox,
        signer: bob,
        ...TERMS,
        timestamp: SIGNED + 60_000,
        files: [
          { name: 'b.jsonl', bytes: utf8(`${dup}\n`) },
          { name: 'b.txt', bytes: utf8('Bob writes his own text.') },
        ],
      });

      const first = await runOperator(ingestSubmissions, {
        config: { datanet: MEDICAL_QA_YAML },
        db: t.db,
        dialect: t.dialect,
        stateDir,
        runId: 'run-1',
      });
      const accepted = first.outputs.accepted.table!;
      const rows = accepted.toArray().map((r) => r.toJSON());
      expect(rows.map((r) => `${r.contributor === alice.address ? 'alice' : 'bob'}:${r.source_file}#${r.record_index}`)).toEqual([
        'alice:qa.jsonl#0',
        'alice:qa.jsonl#1',
        'alice:qa.csv#0',
        'alice:qa.parquet#0',
        'alice:qa.parquet#1',
        'alice:leaflet.pdf#0',
        'alice:notes.docx#0',
        'alice:readme.md#0',
        'bob:b.txt#0',
      ]);
      const byFile = Object.fromEntries(rows.filter((r) => r.record_index === 0).map((r) => [r.source_file, r]));
      expect(byFile['leaflet.pdf'].text).toContain('Aspirin thins the blood');
      expect(byFile['notes.docx'].text).toContain('Rest and fluids help most colds.');
      expect(byFile['qa.csv'].answer).toBe('An answer with "quotes"\nand a newline.');
      expect(byFile['qa.csv'].source).toBe('csv-site');
      expect(byFile['qa.parquet'].question).toBe('What is parquetitis?');
      expect(byFile['qa.jsonl'].id).toBe(
        contributionId(['What is condition alice-0?', 'Condition alice-0 is a made-up disorder used in tests, number 0.']),
      );
      expect(byFile['qa.jsonl'].text).toBe(
        'What is condition alice-0?\n\nCondition alice-0 is a made-up disorder used in tests, number 0.',
      );
      for (const r of rows) {
        expect(r.datanet).toBe('medical-qa');
        expect(r.licence).toBe('CC-BY-4.0');
        expect(r.consent).toBe('attribution,training');
        expect(r.validator_version).toBe(VALIDATOR_VERSION);
        expect(r.submission_id).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(Number(byFile['qa.jsonl'].signed_at)).toBe(SIGNED);
      // Credit goes by arrival: submitted_at is the receipt time, receipt_seq the order of arrival.
      expect(Number(byFile['qa.jsonl'].submitted_at)).toBeGreaterThan(SIGNED);
      expect(rows.map((r) => Number(r.receipt_seq))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2]);
      const rejections = first.outputs.rejections.table!.toArray().map((r) => r.toJSON());
      expect(rejections).toHaveLength(1);
      expect(rejections[0]).toMatchObject({
        file: 'b.jsonl',
        record_index: 0,
        reason_code: 'duplicate_record',
        duplicate_of: byFile['qa.jsonl'].id,
      });
      expect(rejections[0].message).toContain(alice.address);

      const second = await runOperator(ingestSubmissions, {
        config: { datanet: MEDICAL_QA_YAML },
        db: t.db,
        dialect: t.dialect,
        stateDir,
        runId: 'run-2',
      });
      expect(second.outputs.accepted.ref.digest).toBe(first.outputs.accepted.ref.digest);
      expect(second.outputs.rejections.ref.digest).toBe(first.outputs.rejections.ref.digest);
      const stored = await listContributions(t.db, def.id);
      expect(stored).toHaveLength(9);
      // The run and the time of acceptance are provenance kept in the registry, not in the table.
      expect(stored.every((c) => c.runId === 'run-1' && c.acceptedAt > 0)).toBe(true);
      expect(accepted.schema.fields.map((f) => f.name)).not.toContain('run_id');
      expect(await listRejections(t.db, def.id)).toHaveLength(1);
      const stats = await contributorStats(t.db, def.id, def.standing);
      const bobStats = stats.find((s) => s.contributor === bob.address)!;
      // A duplicate record does not reject Bob's file: both files count as accepted.
      expect(bobStats).toMatchObject({ submittedFiles: 2, acceptedFiles: 2, acceptanceRate: 1, contributions: 1 });
      expect(stats.find((s) => s.contributor === alice.address)).toMatchObject({ submittedFiles: 6, acceptedFiles: 6, contributions: 8 });
      expect(a.signed.manifest.contributor).toBe(alice.address);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('ingest.submissions config', () => {
  it('finds a Datanet by id and reports a missing inbox as empty tables', async () => {
    const stateDir = await tempDir('ingest-op-');
    await writeFile(join(stateDir, 'unused'), '');
    const r = await runOperator(ingestSubmissions, { config: { datanet: 'medical-qa' }, stateDir });
    expect(r.outputs.accepted.table!.numRows).toBe(0);
    expect(r.logs.some((l) => l.message.includes('does not exist yet'))).toBe(true);
  });
});
