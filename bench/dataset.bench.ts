// dataset.build throughput against the ceiling of DuckDB's own COPY of the same rows to zstd
// Parquet, measured in the same run: on a generated Q&A set and on MedQuAD when present.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbSession, sqlString } from '@datanet/connector-duckdb';
import { buildDatasetFiles, merkleRootOf } from '@datanet/dataset';
import { corpusPath } from '@datanet/pipelines/testing';
import { median } from './machine.js';

const REPEATS = 3;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function measure(label: string, input: string, dir: string): Promise<Record<string, unknown>> {
  const db = await DuckDbSession.open();
  const [{ n }] = await db.all<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(input)})`);
  const copyS: number[] = [];
  const buildS: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    // Alternate the order so neither side always runs on a warmer cache.
    const copy = () => db.copyToParquet(`SELECT * FROM read_parquet(${sqlString(input)})`, join(dir, `copy-${i}.parquet`));
    const build = () =>
      buildDatasetFiles({
        datanet: label,
        kind: 'qa',
        contributionsPath: input,
        outDir: mkdtempSync(join(dir, 'b-')),
        evalFraction: 0.1,
        salt: 'bench',
      });
    if (i % 2) {
      buildS.push(await time(build));
      copyS.push(await time(copy));
    } else {
      copyS.push(await time(copy));
      buildS.push(await time(build));
    }
  }
  // Where the time goes: the Merkle tree alone (3 keccak256 per row, in JavaScript).
  const pairs = (
    await db.all<{ id: string; c: string }>(
      `SELECT '0x' || substr(id, 8) AS id, contributor AS c FROM read_parquet(${sqlString(input)}) ORDER BY 1`,
    )
  ).map((r) => [r.id, r.c] as [string, string]);
  const encoding = pairs.every((p) => /^0x[0-9a-fA-F]{40}$/.test(p[1])) ? 'address' : 'string';
  const merkleS = await time(async () => merkleRootOf(pairs, encoding));
  db.close();
  const copyMedian = median(copyS);
  const buildMedian = median(buildS);
  return {
    rows: n,
    duckdbCopy: { medianS: round(copyMedian), rowsPerS: Math.round(n / copyMedian), runsS: copyS.map(round) },
    datasetBuild: { medianS: round(buildMedian), rowsPerS: Math.round(n / buildMedian), runsS: buildS.map(round) },
    merkleTreeS: round(merkleS),
    ratioOfCeiling: round(copyMedian / buildMedian),
    target: '>= 0.5',
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dataset-'));
  try {
    const results: Record<string, unknown> = {};
    const generated = join(dir, 'generated.parquet');
    const rows = Number(process.env.BENCH_DATASET_ROWS ?? 200_000);
    const db = await DuckDbSession.open();
    await db.copyToParquet(
      `SELECT 'sha256:' || sha256('q' || i) AS id, '0x' || lpad(format('{:x}', (i % 500) + 1), 40, '0') AS contributor,
              'Question ' || i || ' about topic ' || (i % 997) || '?' AS question,
              'Answer ' || i || ': ' || repeat('the quick brown fox ', 3 + i % 20) AS answer
       FROM range(${rows}) t(i) ORDER BY hash(i)`,
      generated,
    );
    results.generated = await measure('generated', generated, dir);
    // Rows the size of MedQuAD's answers (~1.5 KB): the fixed per-row costs weigh less.
    const long = join(dir, 'generated-long.parquet');
    await db.copyToParquet(
      `SELECT 'sha256:' || sha256('q' || i) AS id, '0x' || lpad(format('{:x}', (i % 500) + 1), 40, '0') AS contributor,
              'Question ' || i || ' about topic ' || (i % 997) || '?' AS question,
              'Answer ' || i || ': ' || repeat('the quick brown fox ' || (i % 13) || ' jumps ', 40 + i % 20) AS answer
       FROM range(${Math.round(rows / 4)}) t(i) ORDER BY hash(i)`,
      long,
    );
    results.generatedLongRows = await measure('generated-long', long, dir);
    const medquad = corpusPath('medquad/medquad_with_answers.jsonl.gz');
    if (medquad) {
      const input = join(dir, 'medquad.parquet');
      await db.copyToParquet(
        `SELECT id, contributor, question, answer FROM (
           SELECT 'sha256:' || sha256(question || chr(10) || answer) AS id, source AS contributor, question, answer,
                  row_number() OVER (PARTITION BY sha256(question || chr(10) || answer)) AS k
           FROM read_json(${sqlString(medquad)}, format = 'newline_delimited')) WHERE k = 1`,
        input,
      );
      results.medquad = await measure('medquad', input, dir);
    } else results.medquad = 'skipped: ../shared/corpora/medquad absent';
    db.close();
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
