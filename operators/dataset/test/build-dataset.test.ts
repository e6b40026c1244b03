import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { withDuckDb, sqlString } from '@datanet/connector-duckdb';
import { corpusPath, corpusSkipReason } from '@datanet/pipelines/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDatasetFiles, closeIdleBuildDatabases } from '../src/build/build-dataset.js';
import { proveContribution } from '../src/build/manifest.js';
import { splitOf } from '../src/build/split.js';
import { MEDQUAD, writeGeneratedContributions, writeMedquadContributions } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dataset-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sub = () => {
  const d = join(dir, String(n++));
  mkdirSync(d);
  return d;
};
const base = { datanet: 'gen-qa', kind: 'qa' as const, evalFraction: 0.1, salt: 'v1' };

describe('buildDatasetFiles', () => {
  it('gives the same Parquet bytes and Merkle root whatever the arrival order', async () => {
    const a = join(dir, 'asc.parquet');
    const b = join(dir, 'shuffled.parquet');
    await writeGeneratedContributions(a, 3000, { order: 'asc' });
    await writeGeneratedContributions(b, 3000, { order: 'shuffled' });
    const x = await buildDatasetFiles({ ...base, contributionsPath: a, outDir: sub() });
    const y = await buildDatasetFiles({ ...base, contributionsPath: b, outDir: sub(), threads: 2 });
    expect(y.manifest.merkle.root).toBe(x.manifest.merkle.root);
    expect(y.manifest.files[0].sha256).toBe(x.manifest.files[0].sha256);
    expect(JSON.stringify(y.manifest)).toBe(JSON.stringify(x.manifest));
    expect(x.manifest.merkle.leafEncoding).toEqual(['bytes32', 'address']);
    expect(x.manifest.counts.rows).toBe(3000);
    expect(x.manifest.counts.train + x.manifest.counts.eval).toBe(3000);
  });

  it('writes prompt/response, ids, contributors and a split that matches the TypeScript rule, sorted by id', async () => {
    const input = join(dir, 'qa.parquet');
    await writeGeneratedContributions(input, 2000, { order: 'desc' });
    const { parquetPath, manifest } = await buildDatasetFiles({ ...base, contributionsPath: input, outDir: sub(), rowGroupSize: 4096 });
    const rows = await withDuckDb((db) => db.all<Record<string, string>>(`SELECT * FROM read_parquet(${sqlString(parquetPath)})`));
    expect(Object.keys(rows[0])).toEqual(['prompt', 'response', 'contribution_id', 'contributor', 'split']);
    const ids = rows.map((r) => r.contribution_id);
    expect(ids).toEqual([...ids].sort());
    for (const r of rows) expect(r.split).toBe(splitOf(r.contribution_id, 'v1', 0.1));
    const evalShare = rows.filter((r) => r.split === 'eval').length / rows.length;
    expect(evalShare).toBeGreaterThan(0.07);
    expect(evalShare).toBeLessThan(0.13);
    expect(manifest.counts.eval).toBe(rows.filter((r) => r.split === 'eval').length);
    const groups = await withDuckDb((db) => db.all(`SELECT DISTINCT row_group_id FROM parquet_metadata(${sqlString(parquetPath)})`));
    expect(groups.length).toBe(1);
  });

  it('reads ids and contributors in every accepted form alike (prefixes, case), and picks the leaf encoding from them', async () => {
    const plain = join(dir, 'forms-plain.parquet');
    await writeGeneratedContributions(plain, 500, { order: 'shuffled', contributors: 40 });
    const reference = await buildDatasetFiles({ ...base, contributionsPath: plain, outDir: sub() });
    const pairs = reference.manifest.contributions;
    expect(pairs.map((p) => p[0])).toEqual(pairs.map((p) => p[0]).sort());
    expect(new Set(pairs.map((p) => p[0])).size).toBe(500);
    // The same set with ids as 0x + upper-case hex or bare hex, and contributors in upper case.
    const forms = join(dir, 'forms-mixed.parquet');
    await withDuckDb((db) =>
      db.copyToParquet(
        `SELECT CASE WHEN i % 3 = 0 THEN '0x' || upper(substr(id, 8)) WHEN i % 3 = 1 THEN substr(id, 8) ELSE id END AS id,
                CASE WHEN i % 2 = 0 THEN '0x' || upper(substr(contributor, 3)) ELSE contributor END AS contributor, question, answer
         FROM (SELECT *, row_number() OVER () AS i FROM read_parquet(${sqlString(plain)}))`,
        forms,
      ),
    );
    const mixed = await buildDatasetFiles({ ...base, contributionsPath: forms, outDir: sub() });
    expect(mixed.manifest.merkle.root).toBe(reference.manifest.merkle.root);
    expect(mixed.manifest.contributions).toEqual(pairs);
    expect(mixed.manifest.counts).toEqual(reference.manifest.counts);
    // One contributor that looks like an address but is not hex: every leaf is (bytes32, string).
    const named = join(dir, 'forms-named.parquet');
    await withDuckDb((db) =>
      db.copyToParquet(
        `SELECT id, CASE WHEN i = 7 THEN '0x' || repeat('z', 40) ELSE contributor END AS contributor, question, answer
         FROM (SELECT *, row_number() OVER () AS i FROM read_parquet(${sqlString(plain)}))`,
        named,
      ),
    );
    const strings = await buildDatasetFiles({ ...base, contributionsPath: named, outDir: sub() });
    expect(strings.manifest.merkle.leafEncoding).toEqual(['bytes32', 'string']);
    expect(strings.manifest.contributions.filter((p) => p[1] === '0x' + 'z'.repeat(40))).toHaveLength(1);
    expect(strings.manifest.merkle.root).toBe(StandardMerkleTree.of(strings.manifest.contributions, ['bytes32', 'string']).root);
  });

  it('reads the ids in parts of the file (its row numbers) alike, and a file with its own file_row_number column whole', async () => {
    const plain = join(dir, 'rownumber-plain.parquet');
    await writeGeneratedContributions(plain, 20_000, { order: 'shuffled' });
    const own = join(dir, 'rownumber-own.parquet');
    await withDuckDb((db) =>
      db.copyToParquet(`SELECT *, 'row ' || (random() * 100)::INT AS file_row_number FROM read_parquet(${sqlString(plain)})`, own),
    );
    const a = await buildDatasetFiles({ ...base, contributionsPath: plain, outDir: sub() });
    const b = await buildDatasetFiles({ ...base, contributionsPath: own, outDir: sub() });
    expect(b.manifest.merkle.root).toBe(a.manifest.merkle.root);
    expect(b.manifest.files[0].sha256).toBe(a.manifest.files[0].sha256);
    expect(JSON.stringify(b.manifest)).toBe(JSON.stringify(a.manifest));
    expect(a.manifest.contributions).toHaveLength(20_000);
    // By default a row group holds an eighth of the rows in whole 2048-row vectors: 4096 of 20,000.
    const groups = await withDuckDb((db) =>
      db.all<{ n: number }>(
        `SELECT DISTINCT row_group_id, row_group_num_rows AS n FROM parquet_metadata(${sqlString(a.parquetPath)}) ORDER BY row_group_id`,
      ),
    );
    expect(groups.map((g) => g.n)).toEqual([4096, 4096, 4096, 4096, 3616]);
  });

  it('sorts the rows by the whole id when every id shares a prefix, or only some do', async () => {
    const plain = join(dir, 'prefix-plain.parquet');
    await writeGeneratedContributions(plain, 700, { order: 'shuffled' });
    const forms = {
      // Every id 0x-prefixed (the file's statistics bound them all under "0x").
      hex0x: `'0x' || substr(id, 8)`,
      // sha256: and bare hex mixed: no shared prefix.
      mixed: `CASE WHEN i % 2 = 0 THEN substr(id, 8) ELSE id END`,
      // All but one sha256:-prefixed, the one sorting first.
      oneBare: `CASE WHEN i = 11 THEN substr(id, 8) ELSE id END`,
    };
    for (const [name, idSql] of Object.entries(forms)) {
      const path = join(dir, `prefix-${name}.parquet`);
      await withDuckDb((db) =>
        db.copyToParquet(
          `SELECT ${idSql} AS id, contributor, question, answer FROM (SELECT *, row_number() OVER () AS i FROM read_parquet(${sqlString(plain)}))`,
          path,
        ),
      );
      const { parquetPath, manifest } = await buildDatasetFiles({ ...base, contributionsPath: path, outDir: sub() });
      const ids = (
        await withDuckDb((db) => db.all<{ id: string }>(`SELECT contribution_id AS id FROM read_parquet(${sqlString(parquetPath)})`))
      ).map((r) => r.id);
      expect(ids, name).toEqual([...ids].sort());
      expect(ids.length, name).toBe(700);
      expect(manifest.counts.contributions, name).toBe(700);
    }
  });

  it('builds at once on one database alike, and gives the manifest its contributions when read', async () => {
    const a = join(dir, 'together-a.parquet');
    const b = join(dir, 'together-b.parquet');
    await writeGeneratedContributions(a, 40_000, { order: 'shuffled' });
    await writeGeneratedContributions(b, 1000, { order: 'desc', offset: 5 });
    const alone = [
      await buildDatasetFiles({ ...base, contributionsPath: a, outDir: sub() }),
      await buildDatasetFiles({ ...base, contributionsPath: b, outDir: sub() }),
    ];
    const together = await Promise.all([
      buildDatasetFiles({ ...base, contributionsPath: a, outDir: sub() }),
      buildDatasetFiles({ ...base, contributionsPath: b, outDir: sub() }),
    ]);
    for (const k of [0, 1]) expect(JSON.stringify(together[k].manifest)).toBe(JSON.stringify(alone[k].manifest));
    // The list is made when first read, in its place among the manifest's keys.
    const m = together[1].manifest;
    expect(Object.keys(m)).toEqual(['format', 'datanet', 'kind', 'merkle', 'split', 'counts', 'files', 'contributions']);
    expect(m.contributions).toHaveLength(1000);
    expect(m.contributions).toBe(m.contributions);
    expect(JSON.parse(JSON.stringify(m)).contributions).toEqual(m.contributions);
    expect(structuredClone(m).contributions).toEqual(m.contributions);
    m.contributions = m.contributions.slice(0, 2);
    expect({ ...m }.contributions).toHaveLength(2);
    expect(Object.freeze(together[0].manifest).contributions).toEqual(alone[0].manifest.contributions);
  });

  it.runIf(process.platform === 'linux')(
    'leaves no DuckDB database open a second after its builds end, or once closeIdleBuildDatabases is called (its mapping, ~80% of RAM, made every later fork fail on a busy machine)',
    async () => {
      const vmData = () => Number(/VmData:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
      const input = join(dir, 'vm.parquet');
      await writeGeneratedContributions(input, 5000, { order: 'shuffled' });
      await closeIdleBuildDatabases(); // the earlier tests' database, if still in its idle second
      const before = vmData();
      let during = 0;
      await buildDatasetFiles({ ...base, contributionsPath: input, outDir: sub(), onPhase: () => (during = Math.max(during, vmData())) });
      // The mapping is there while the build runs (so this test can see it go), for an idle second after, and gone then.
      expect(during - before).toBeGreaterThan(0.25 * totalmem());
      expect(vmData() - before).toBeGreaterThan(0.25 * totalmem());
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(vmData() - before).toBeLessThan(0.25 * totalmem());
      // Builds at once share one database; closed at once when asked.
      await Promise.all([1, 2].map(() => buildDatasetFiles({ ...base, contributionsPath: input, outDir: sub() })));
      await closeIdleBuildDatabases();
      expect(vmData() - before).toBeLessThan(0.25 * totalmem());
    },
  );

  it('refuses a repeated id written in two forms, a missing contributor and separator characters in a contributor', async () => {
    const h = 'ab'.repeat(32);
    const cases: [string, string, RegExp][] = [
      [
        `SELECT * FROM (VALUES ('sha256:${h}', '0x${'1'.repeat(40)}', 'q', 'a'), ('0x${h.toUpperCase()}', '0x${'2'.repeat(40)}', 'q2', 'a2')) t(id, contributor, question, answer)`,
        'twice',
        /appears 2 times/,
      ],
      [
        `SELECT 'sha256:' || sha256('n' || i) AS id, CASE WHEN i = 3 THEN NULL ELSE 'x' END AS contributor, 'q' AS question, 'a' AS answer FROM range(5) t(i)`,
        'null',
        /has no contributor/,
      ],
      [
        `SELECT 'sha256:' || sha256('n' || i) AS id, CASE WHEN i = 3 THEN ' ' ELSE 'x' END AS contributor, 'q' AS question, 'a' AS answer FROM range(5) t(i)`,
        'blank',
        /has no contributor/,
      ],
      [
        `SELECT 'sha256:' || sha256('n' || i) AS id, 'x' || chr(30) || i AS contributor, 'q' AS question, 'a' AS answer FROM range(5) t(i)`,
        'control',
        /contains ASCII control characters 30\/31/,
      ],
      [
        `SELECT 'sha256:' || sha256('n' || i) AS id, '0x' || lpad('1', 40, '0') AS contributor, 'q' AS question, 'a' AS answer FROM range(5) t(i) UNION ALL SELECT 'sha256:' || substr(sha256('x'), 2) || 'g', '0x' || lpad('1', 40, '0'), 'q', 'a'`,
        'nonhex',
        /is not a sha256 content hash/,
      ],
    ];
    for (const [select, name, message] of cases) {
      const path = join(dir, `refuse-${name}.parquet`);
      await withDuckDb((db) => db.copyToParquet(select, path));
      const out = sub();
      await expect(buildDatasetFiles({ ...base, contributionsPath: path, outDir: out }), name).rejects.toThrow(message);
      expect(existsSync(join(out, 'dataset.parquet')), name).toBe(false);
    }
  });

  it('takes text that starts with white space and refuses text that is only white space or nothing', async () => {
    const ok = join(dir, 'spaces-ok.parquet');
    await withDuckDb((db) =>
      db.copyToParquet(
        `SELECT 'sha256:' || sha256('s' || i) AS id, 'a' AS contributor, chr(9) || 'q' || i AS question,
                [' r', chr(10) || 'r', chr(13) || chr(12) || 'r', chr(11), 'r '][i % 5 + 1] AS answer FROM range(10) t(i)`,
        ok,
      ),
    );
    expect((await buildDatasetFiles({ ...base, contributionsPath: ok, outDir: sub() })).manifest.counts.rows).toBe(10);
    for (const [name, blank] of [
      ['nothing', `''`],
      ['spaces', `' ' || chr(12) || chr(13) || chr(10) || chr(9)`],
    ]) {
      const path = join(dir, `blank-${name}.parquet`);
      await withDuckDb((db) =>
        db.copyToParquet(
          `SELECT 'sha256:' || sha256('b' || i) AS id, 'a' AS contributor, 'q' AS question, CASE WHEN i = 4 THEN ${blank} ELSE 'r' END AS answer FROM range(6) t(i)`,
          path,
        ),
      );
      await expect(buildDatasetFiles({ ...base, contributionsPath: path, outDir: sub() }), name).rejects.toThrow(/has an empty answer/);
    }
  });

  it('builds text datasets', async () => {
    const input = join(dir, 'text.parquet');
    await writeGeneratedContributions(input, 100, { kind: 'text' });
    const { parquetPath } = await buildDatasetFiles({ ...base, kind: 'text', contributionsPath: input, outDir: sub() });
    const cols = await withDuckDb((db) =>
      db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(parquetPath)})`),
    );
    expect(cols.map((c) => c.column_name)).toEqual(['text', 'contribution_id', 'contributor', 'split']);
  });

  it('proves a contribution in a form OpenZeppelin verifies', async () => {
    const input = join(dir, 'prove.parquet');
    await writeGeneratedContributions(input, 300);
    const { manifest } = await buildDatasetFiles({ ...base, contributionsPath: input, outDir: sub() });
    const [id] = manifest.contributions[123];
    const p = proveContribution(manifest, id.replace('0x', 'sha256:'));
    expect(p.root).toBe(manifest.merkle.root);
    expect(StandardMerkleTree.verify(p.root, p.leafTypes, p.leafValues, p.proof)).toBe(true);
    expect(() => proveContribution(manifest, '0x' + 'f'.repeat(64))).toThrow(/is not in dataset gen-qa/);
  });

  it('names the file and what to do when the input is wrong', async () => {
    const text = join(dir, 'wrongkind.parquet');
    await writeGeneratedContributions(text, 10, { kind: 'text' });
    await expect(buildDatasetFiles({ ...base, contributionsPath: text, outDir: sub() })).rejects.toThrow(
      /wrongkind\.parquet: contributions table lacks column\(s\) question or prompt, answer or response.*set kind: text/,
    );
    const dup = join(dir, 'dup.parquet');
    await withDuckDb((db) =>
      db.copyToParquet(`SELECT 'sha256:' || sha256('x') AS id, 'a' AS contributor, 'q' AS question, 'r' AS answer FROM range(2)`, dup),
    );
    await expect(buildDatasetFiles({ ...base, contributionsPath: dup, outDir: sub() })).rejects.toThrow(/appears 2 times/);
    const bad = join(dir, 'bad.parquet');
    await withDuckDb((db) => db.copyToParquet(`SELECT 'c-17' AS id, 'a' AS contributor, 'q' AS question, 'r' AS answer`, bad));
    await expect(buildDatasetFiles({ ...base, contributionsPath: bad, outDir: sub() })).rejects.toThrow(
      /bad\.parquet: contribution id "c-17" is not a sha256/,
    );
    // Empty text is refused by the COPY itself; the message names the smallest offending id, and no file is left.
    const empty = join(dir, 'empty.parquet');
    await withDuckDb((db) =>
      db.copyToParquet(
        `SELECT 'sha256:' || sha256('e' || i) AS id, 'a' AS contributor, 'q' AS question, CASE WHEN i % 3 = 0 THEN ' \t' ELSE 'r' END AS answer FROM range(30) t(i)`,
        empty,
      ),
    );
    const smallest = await withDuckDb((db) =>
      db.all<{ id: string }>(`SELECT min(id) AS id FROM read_parquet(${sqlString(empty)}) WHERE trim(answer, ' \t') = ''`),
    );
    const out = sub();
    await expect(buildDatasetFiles({ ...base, contributionsPath: empty, outDir: out })).rejects.toThrow(
      `empty.parquet: contribution ${smallest[0].id} has an empty answer (dataset column response)`,
    );
    expect(existsSync(join(out, 'dataset.parquet'))).toBe(false);
  });
});

describe.skipIf(!corpusPath(MEDQUAD))('MedQuAD', () => {
  it.skipIf(!corpusPath(MEDQUAD))(
    corpusPath(MEDQUAD) ? 'same accepted set in two orders gives one root; one more contribution a new root' : corpusSkipReason(MEDQUAD),
    async () => {
      const fwd = join(dir, 'mq-fwd.parquet');
      const rev = join(dir, 'mq-rev.parquet');
      const more = join(dir, 'mq-more.parquet');
      const rows = await writeMedquadContributions(fwd, { limit: 3000 });
      await writeMedquadContributions(rev, { limit: 3000, order: 'reverse' });
      const moreRows = await writeMedquadContributions(more, { limit: 3001 });
      expect(moreRows).toBe(rows + 1);
      const opts = { ...base, datanet: 'medical-qa' };
      const a = await buildDatasetFiles({ ...opts, contributionsPath: fwd, outDir: sub() });
      const b = await buildDatasetFiles({ ...opts, contributionsPath: rev, outDir: sub() });
      const c = await buildDatasetFiles({ ...opts, contributionsPath: more, outDir: sub() });
      expect(a.manifest.merkle.leafEncoding).toEqual(['bytes32', 'string']);
      expect(b.manifest.merkle.root).toBe(a.manifest.merkle.root);
      expect(c.manifest.merkle.root).not.toBe(a.manifest.merkle.root);
      expect(new Set(a.manifest.contributions.map((x) => x[1])).size).toBeGreaterThan(1);
    },
  );
});
