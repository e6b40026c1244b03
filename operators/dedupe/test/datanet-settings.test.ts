import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { REPO_ROOT, openTestDb, runOperator } from '@datanet/pipelines/testing';
import { tableFromArrays } from 'apache-arrow';
import { dedupeExact, dedupeMinhash } from '../src/index.js';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'pipelines/bin/datanet.mjs');

const para = (topic: string) =>
  `${topic} is a condition that affects many people each year. Doctors diagnose ${topic} with a physical exam and tests of the blood. ` +
  `Treatment of ${topic} depends on the cause and may include medicine, changes in diet and regular exercise. Most people with ${topic} recover well.`;

/** A Datanet definition whose dedupe section is the part under test. */
const datanet = (dedupe: string) => `apiVersion: datanet/v1
kind: Datanet
id: tiny
domain: medicine
formats: [txt]
licences: [CC0-1.0]
dedupe:
${dedupe}
`;

type Summary = { status: string; steps: { id: string; cached: boolean; outputs: Record<string, { path: string }> }[] };
type Setting = { value: unknown; source: string };

/** Acceptance 8 of issue 11: a Datanet's dedupe section reaches the steps that name the Datanet. */
describe('dedupe steps that name a Datanet use its dedupe section', () => {
  it('changing the definition changes the settings used, the cache key and the report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dedupe-datanet-'));
    await mkdir(join(dir, 'datanets'));
    // Two near copies (one word changed) and a distinct record; the text column is named by the Datanet.
    await writeFile(
      join(dir, 'records.jsonl'),
      [
        { id: 'a', t: 1, body: para('Anemia') },
        { id: 'b', t: 2, body: para('Anemia').replace('regular exercise', 'daily exercise') },
        { id: 'c', t: 3, body: para('Gout') },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const pipeline = (near: string) => `apiVersion: datanet/v1
kind: Pipeline
metadata: { name: dedupe-datanet }
steps:
  read: { uses: table.read, with: { path: records.jsonl } }
  exact: { uses: dedupe.exact, needs: [read], with: { datanet: tiny, orderColumn: t } }
  near: { uses: dedupe.minhash, needs: [exact.kept], with: { datanet: tiny, orderColumn: t${near} } }
`;
    const exec = async (...args: string[]): Promise<Summary> => {
      const { stdout } = await run(process.execPath, [CLI, '--json', '--state-dir', join(dir, 'state'), ...args], {
        cwd: dir,
        timeout: 180_000,
      });
      return JSON.parse(stdout);
    };
    const step = (s: Summary, id: string) => s.steps.find((x) => x.id === id)!;
    const report = async (s: Summary, id: string) => JSON.parse(await readFile(step(s, id).outputs.report.path, 'utf8'));

    await writeFile(join(dir, 'pipeline.yaml'), pipeline(''));
    await writeFile(
      join(dir, 'datanets/tiny.yaml'),
      datanet('  textColumn: body\n  near: { shingle: word, ngram: 3, permutations: 128, bands: 16, rows: 8 }'),
    );
    const first = await exec('run', join(dir, 'pipeline.yaml'));
    expect(first.status).toBe('succeeded');
    const r1 = await report(first, 'near');
    expect(r1.settings.datanet).toEqual({ id: 'tiny', definition: join('datanets', 'tiny.yaml') });
    expect(r1.settings.bands).toEqual({ value: 16, source: 'datanet' });
    expect(r1.settings.rows).toEqual({ value: 8, source: 'datanet' });
    expect(r1.settings.permutations).toEqual({ value: 128, source: 'datanet' });
    expect(r1.settings.textColumn).toEqual({ value: 'body', source: 'datanet' });
    expect(r1.settings.seed).toEqual({ value: 1, source: 'default' });
    expect(r1.settings.impliedThreshold.value).toBeCloseTo(Math.pow(1 / 16, 1 / 8), 9);
    expect(r1.bands).toBe(16);
    expect(r1.rows).toBe(8);
    expect(r1.duplicates).toBe(1);
    expect((await report(first, 'exact')).settings.textColumn).toEqual({ value: 'body', source: 'datanet' });

    // Only the Datanet changes: the near step must not be served from the cache.
    await writeFile(
      join(dir, 'datanets/tiny.yaml'),
      datanet('  textColumn: body\n  near: { shingle: word, ngram: 3, permutations: 100, bands: 20, rows: 5 }'),
    );
    const second = await exec('run', join(dir, 'pipeline.yaml'));
    expect(second.status).toBe('succeeded');
    expect(step(second, 'exact').cached).toBe(true);
    expect(step(second, 'near').cached).toBe(false);
    const r2 = await report(second, 'near');
    expect(r2.settings.bands).toEqual({ value: 20, source: 'datanet' });
    expect(r2.settings.rows).toEqual({ value: 5, source: 'datanet' });
    expect(r2.settings.permutations).toEqual({ value: 100, source: 'datanet' });
    expect(r2.settings.impliedThreshold.value).toBeCloseTo(Math.pow(1 / 20, 1 / 5), 9);
    expect(r2.impliedThreshold).toBeCloseTo(0.5493, 4);
  });

  it('with: wins over the Datanet, which wins over the default; disabled keeps every record; impossible settings name their sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dedupe-datanet-op-'));
    const definition = join(dir, 'tiny.yaml');
    const table = tableFromArrays({
      id: ['a', 'b', 'c'],
      body: [para('Anemia'), para('Anemia').replace('regular', 'daily'), para('Gout')],
    });
    // One embedded database for every call (a fresh PGlite takes seconds to start).
    const t = await openTestDb('pglite');
    onTestFinished(() => t.close());
    const db = { db: t.db, dialect: 'pglite' as const };
    const near = async (config: Record<string, unknown>) =>
      runOperator(dedupeMinhash, { ...db, config: { datanet: definition, ...config }, inputs: { table } });
    const settingsOf = async (config: Record<string, unknown>) =>
      ((await near(config)).outputs.report.json as { settings: Record<string, Setting> }).settings;

    await writeFile(definition, datanet('  textColumn: body\n  near: { permutations: 100, bands: 20, rows: 5 }'));
    const s = await settingsOf({ bands: 10 });
    expect(s.bands).toEqual({ value: 10, source: 'step' });
    expect(s.rows).toEqual({ value: 5, source: 'datanet' });
    expect(s.ngram).toEqual({ value: 5, source: 'default' });
    expect((s.impliedThreshold as Setting).value).toBeCloseTo(Math.pow(1 / 10, 1 / 5), 9);

    // Auto shingles and their short-record settings come from the Datanet too, and the step runs with them.
    await writeFile(definition, datanet('  textColumn: body\n  near: { shingle: auto, shortWords: 30, shortThreshold: 0.9 }'));
    const refs = tableFromArrays({
      id: ['r1', 'r2', 'r3'],
      body: [
        'Smith, John A.; Doe, Jane. Insulin resistance in adolescents. J Clin Endocrinol, vol. 12, 2019.',
        'Smith JA, Doe J. Insulin resistence in adolescents. J Clin Endocrinol, vol. 12, 2019.',
        para('Gout'),
      ],
    });
    const auto = await runOperator(dedupeMinhash, { ...db, config: { datanet: definition }, inputs: { table: refs } });
    const ar = auto.outputs.report.json as {
      settings: Record<string, Setting>;
      byUnit: Record<string, { records: number; threshold: number }>;
    };
    expect(ar.settings.shingle).toEqual({ value: 'auto', source: 'datanet' });
    expect(ar.settings.shortWords).toEqual({ value: 30, source: 'datanet' });
    expect(ar.settings.shortThreshold).toEqual({ value: 0.9, source: 'datanet' });
    // para() has 40+ words, over the Datanet's 30, and is prose (not a medium record, which would be
    // structured text of 30-59 words): judged by words; the two references by characters at 0.9.
    expect(ar.settings.mediumWords).toMatchObject({ value: 60, source: 'derived' });
    expect(ar.byUnit.char).toMatchObject({ records: 2, threshold: 0.9 });
    expect(ar.byUnit.word).toMatchObject({ records: 1, selectedBy: '30 words or more (from 30 to 59: prose)' });
    const step = await settingsOf({ shortThreshold: 0.8 });
    expect(step.shortThreshold).toEqual({ value: 0.8, source: 'step' });
    await writeFile(definition, datanet('  textColumn: body\n  near: { permutations: 100, bands: 20, rows: 5 }'));

    // The fingerprint (part of the cache key) follows the Datanet's settings, not the file's other fields.
    const env = { pipelineDir: dir, stateDir: dir };
    const before = await dedupeMinhash.fingerprint!(dedupeMinhash.config.parse({ datanet: definition }), env);
    await writeFile(
      definition,
      datanet('  textColumn: body\n  near: { permutations: 100, bands: 20, rows: 5 }').replace('domain: medicine', 'domain: health'),
    );
    expect(await dedupeMinhash.fingerprint!(dedupeMinhash.config.parse({ datanet: definition }), env)).toEqual(before);
    await writeFile(definition, datanet('  textColumn: body\n  near: { permutations: 100, bands: 25, rows: 4 }'));
    expect(await dedupeMinhash.fingerprint!(dedupeMinhash.config.parse({ datanet: definition }), env)).not.toEqual(before);
    // Without a Datanet, leaving a field out and writing its default are one config.
    expect(dedupeMinhash.config.parse({})).toEqual(
      dedupeMinhash.config.parse({ bands: 14, rows: 8, permutations: 112, textColumn: 'text' }),
    );

    await writeFile(definition, datanet('  exact: false\n  textColumn: body\n  near: { enabled: false }'));
    const off = await near({});
    expect((off.outputs.report.json as { enabled: boolean }).enabled).toBe(false);
    expect(off.outputs.report.json).toMatchObject({ settings: { enabled: { value: false, source: 'datanet' } } });
    expect(off.outputs.kept.table!.numRows).toBe(3);
    const exactOff = await runOperator(dedupeExact, {
      ...db,
      config: { datanet: definition },
      inputs: { table: tableFromArrays({ id: ['a', 'b'], body: ['same', 'same'] }) },
    });
    expect(exactOff.outputs.kept.table!.numRows).toBe(2);
    // ...and the step can turn it back on.
    const exactOn = await runOperator(dedupeExact, {
      ...db,
      config: { datanet: definition, enabled: true },
      inputs: { table: tableFromArrays({ id: ['a', 'b'], body: ['same', 'same'] }) },
    });
    expect(exactOn.outputs.kept.table!.numRows).toBe(1);

    await writeFile(definition, datanet('  near: { permutations: 64, bands: 8, rows: 8 }'));
    await expect(near({ rows: 9, textColumn: 'body' })).rejects.toThrow(
      `bands from ${relative(process.cwd(), definition)}, rows from the step, permutations from ${relative(process.cwd(), definition)}`,
    );
  });
});
