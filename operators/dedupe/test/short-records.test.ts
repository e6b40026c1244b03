import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { col, textTable } from './text-table.js';
import { dedupeMinhash, normalizeStructured, recordSimilarity, recordTokens, structuredTokens } from '../src/index.js';
import { asciiJoinedTokens, charGramHashes, joinedGramHashes, structuredGramHashes } from '../src/structured-text.js';

const tok = (s: string) => recordTokens(s);
const sim = (a: string, b: string) => recordSimilarity(tok(a), tok(b));

const ref = 'Smith, John A.; Doe, Jane. Insulin resistance in adolescents. Journal of Clinical Endocrinology, vol. 12, pp. 301-309, 2019.';

describe('structured normal form', () => {
  it('drops diacritics, case, punctuation, stopwords and field labels, strips leading zeros and joins initials', () => {
    // "A." goes with the article "a": a middle initial is what copies most often leave out anyway.
    expect(structuredTokens('Müller, J. A.; vol. 07, pp. 3-9 (v2.1)')).toEqual(['muller', 'j', '7', '3', '9', '2', '1']);
    expect(normalizeStructured('J. B. Smith and JB Smith')).toBe('jb smith jb smith');
  });
});

describe('fast paths of the short-record pass', () => {
  // Seeded random records of letters, digits, field separators, stopwords and their typos.
  const records = (() => {
    const parts = [
      'a',
      'B',
      'x',
      'Z',
      '0',
      '1',
      '007',
      ' ',
      ' ',
      '.',
      ',',
      ';',
      ':',
      '|',
      '\n',
      '\t',
      '-',
      '/',
      '@',
      'the',
      'Hte',
      'vol',
      'V',
      'pp',
      'x64',
      'v2.0',
      'an',
      'of',
      'p',
      'IV',
      'John',
      'Smith',
      'J. A.',
      'Medicinal',
      'Med',
      'insulin',
      'insluin',
    ];
    let r = 7;
    const rand = () => (r = (Math.imul(r, 1103515245) + 12345) & 0x7fffffff) / 0x80000000;
    return Array.from({ length: 3000 }, () =>
      Array.from({ length: Math.floor(rand() * 24) }, () => parts[Math.floor(rand() * parts.length)]).join(''),
    );
  })();

  it('tokenises ASCII text in one pass exactly as the Unicode path does', () => {
    // A trailing combining mark sends a record down the Unicode path (NFKD, marks dropped) with the same text.
    let different = 0;
    for (const text of records)
      for (const fields of [true, false])
        if (JSON.stringify(structuredTokens(text, fields)) !== JSON.stringify(structuredTokens(text + '\u0301', fields))) different++;
    expect(different).toBe(0);
    expect(structuredTokens('Vol. 07; Smith, J.', true)).toEqual(structuredTokens('Vol. 07; Smith, J.\u0301', true));
  });

  it('joins and hashes the tokens of ASCII bytes as structuredTokens and structuredGramHashes do', () => {
    const enc = new TextEncoder();
    const out = new Uint8Array(4096);
    const a = new Uint32Array(4096);
    const b = new Uint32Array(4096);
    let different = 0;
    let compared = 0;
    const extra = ['', '...', 'A. B. C. Smith; Vol. 007', 'VERSION version Versio', 'THE hhe Anr', 'p. 3; A; b.', 'x|y|', '00 0 |. ,'];
    for (const text of [...records, ...extra, ...records.map((t) => t.toUpperCase())]) {
      // Placed inside a larger buffer: the record is read from its offsets only.
      const bytes = enc.encode(`Zz 1 ${text}`);
      const len = asciiJoinedTokens(bytes, 5, bytes.length, out);
      const tokens = structuredTokens(text, true);
      const joined = tokens.join(' ');
      const n = structuredGramHashes(tokens, 5, b);
      compared++;
      if (len !== joined.length || Buffer.from(out.subarray(0, len)).toString('latin1') !== joined) different++;
      else if (joinedGramHashes(out, len, 5, a) !== n || a.subarray(0, n).some((x, i) => x !== b[i])) different++;
    }
    expect(compared).toBeGreaterThan(6000);
    expect(different).toBe(0);
    // Not ASCII: left to the Unicode path.
    const bytes = enc.encode('Müller, J.');
    expect(asciiJoinedTokens(bytes, 0, bytes.length, out)).toBe(-1);
  });

  it('hashes the normal form from the tokens as from the normalised string', () => {
    const a = new Uint32Array(4096);
    const b = new Uint32Array(4096);
    let different = 0;
    for (const text of [...records, 'Müller, J. A.; 日本語 テキスト 𝒳𝒴 ½', 'ab']) {
      const tokens = structuredTokens(text, true);
      const n = charGramHashes(normalizeStructured(tokens), 5, a);
      if (structuredGramHashes(tokens, 5, b) !== n || a.subarray(0, n).some((x, i) => x !== b[i])) different++;
    }
    expect(different).toBe(0);
  });

  it('gives the same similarity with or without a bar to reach, whenever the value reaches it', () => {
    // With atLeast, a pair may stop early, but only below the bar: every value at or above it is exact.
    let wrong = 0;
    let stopped = 0;
    for (let i = 0; i + 1 < 600; i++) {
      const x = tok(records[i]);
      const y = tok(records[(i * 37 + 11) % records.length]);
      const full = recordSimilarity(x, y);
      for (const bar of [0.5, 0.83, 0.95]) {
        const v = recordSimilarity(x, y, bar);
        if (v < bar) stopped++;
        if ((full >= bar || v >= bar) && v !== full) wrong++;
        if (v < bar && full >= bar) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(stopped).toBeGreaterThan(0);
  });
});

describe('recordSimilarity', () => {
  it('keeps the edits people make when re-entering a record at 0.83 or more', () => {
    const edits = [
      ref.toUpperCase(),
      'Doe, Jane; Smith, John A. Insulin resistance in adolescents. Journal of Clinical Endocrinology, vol. 12, pp. 301-309, 2019.',
      'Smith J. A.; Doe J. Insulin resistance in adolescents. J Clin Endocrinol 12:301-309, 2019',
      'Smith JA, Doe J. Insulin resistance in adolescents. J Clin Endocrinol. 2019;12:301-9.',
      'Smith, John A.; Doe, Jane. Insulin resistence in adolescnets. Journal of Clinical Endocrinology, vol. 12, 2019.',
      'Smith, John A.; Doe, Jane. Insulin resistance in adolescents. Journal of Clinical Endocrinology.',
    ];
    for (const e of edits) expect(sim(ref, e), e).toBeGreaterThanOrEqual(0.83);
  });

  it('keeps another record that looks alike below 0.83: another title word, volume or year', () => {
    const others = [
      'Smith, John A.; Doe, Jane. Insulin sensitivity in adolescents. Journal of Clinical Endocrinology, vol. 12, pp. 301-309, 2019.',
      'Smith, John A.; Doe, Jane. Insulin resistance in adolescents. Journal of Clinical Endocrinology, vol. 13, pp. 301-309, 2020.',
      'Smith, John A.; Roe, Mark. Insulin resistance in adults. Journal of Clinical Endocrinology, vol. 12, pp. 41-49, 2019.',
    ];
    for (const o of others) expect(sim(ref, o), o).toBeLessThan(0.83);
  });

  it('prices typos by the letters they change, so slips of the space bar, stray letters and short words survive', () => {
    const q = 'What are the genetic changes related to spastic paraplegia type 8 ?. spastic paraplegia type 8. genetic changes. GHR';
    const slips = [
      // a word split and joined at the wrong place, a dot slipped into a word
      'What are the genetic changes relate dto spastic paraplegia type 8 ?. spastic paraplegi.a type 8. genetic changes. GHR',
      // two slips in one long word, a doubled letter in a short one
      'What aree the genetic changes related to spastic parpalegiaa type 8 ?. spastic paraplegia type 8. genetic changes. GHR',
    ];
    for (const e of slips) expect(sim(q, e), e).toBeGreaterThanOrEqual(0.83);
    expect(
      sim(
        'Smith, John A.; Doe, Jane. Insulin resistance in adolescents. Journal of Clinical Endocrinology, vol. 12, 2019.',
        'Smith, John A.; Doe, Jane. Insulin resistance in adolescents. Journal of Clinical Endocrinology, vol. 12, 2019, p.',
      ),
    ).toBeGreaterThanOrEqual(0.83);
    // A typo is priced, not free: three slipped words cost more than one.
    const one =
      'Smith, John A.; Doe, Jane. Insulin resistence in adolescents. Journal of Clinical Endocrinology, vol. 12, pp. 301-309, 2019.';
    const three =
      'Smith, John A.; Doe, Jane. Insulin resistence in adolescnets. Journal of Clinical Endocrinolgoy, vol. 12, pp. 301-309, 2019.';
    expect(sim(ref, three)).toBeLessThan(sim(ref, one));
    // Roman numerals are numbers: type I and type II are other records, not a typo.
    expect(sim('Mucopolysaccharidosis type I. genetic changes. GHR', 'Mucopolysaccharidosis type II. genetic changes. GHR')).toBeLessThan(
      0.83,
    );
  });

  it('is symmetric and 1 for equal token lists', () => {
    const b = 'Doe J, Smith JA. Insulin resistance in adolescents. J Clin Endocrinol. 2019;12:301-9.';
    expect(sim(ref, b)).toBe(sim(b, ref));
    expect(sim(ref, ref)).toBe(1);
  });
});

for (const engine of DB_ENGINES) {
  describe(`auto shingles with a persistent index on ${engine}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await openTestDb(engine);
    });
    afterAll(async () => t?.close());

    it('judges a new short record against accepted ones as within a batch, and a re-run decides the same', async () => {
      const opts = { db: t.db, dialect: engine } as const;
      const r1 = await runOperator(dedupeMinhash, {
        ...opts,
        config: { index: 'refs' },
        inputs: { table: textTable([{ id: 'ref1', text: ref }], false) },
        runId: 'r1',
      });
      expect(col(r1.outputs.kept.table, 'id')).toEqual(['ref1']);
      const second = textTable(
        [
          { id: 'copy', text: 'Smith J. A.; Doe J. Insulin resistence in adolescents. J Clin Endocrinol 12:301-309, 2019' },
          { id: 'other-volume', text: ref.replace('vol. 12', 'vol. 13').replace('2019', '2020') },
        ],
        false,
      );
      for (const runId of ['r2', 'r2']) {
        const r2 = await runOperator(dedupeMinhash, { ...opts, config: { index: 'refs' }, inputs: { table: second }, runId });
        expect(col(r2.outputs.kept.table, 'id')).toEqual(['other-volume']);
        expect(col(r2.outputs.duplicates.table, 'duplicate_of')).toEqual(['ref1']);
        expect(col(r2.outputs.clusters.table, 'judged_by')).toEqual(['char', 'char']);
      }
    });
  });
}

describe('dedupe.minhash defaults on short and long records', () => {
  it('judges short records by characters and recordSimilarity, long ones by words, and says so per record', async () => {
    const long = Array.from({ length: 80 }, (_, i) => `word${i % 37} token${i % 11}`).join(' ');
    const rows = [
      { id: 'r1', text: ref },
      { id: 'r2', text: 'Smith J. A.; Doe J. Insulin resistance in adolescents. J Clin Endocrinol 12:301-309, 2019' },
      {
        id: 'r3',
        text: 'Smith, John A.; Doe, Jane. Insulin sensitivity in adolescents. Journal of Clinical Endocrinology, vol. 12, pp. 301-309, 2019.',
      },
      { id: 'r4', text: long },
      { id: 'r5', text: long.replace('word3 ', 'word3x ') },
    ];
    const { outputs } = await runOperator(dedupeMinhash, { inputs: { table: textTable(rows, false) } });
    expect(col(outputs.kept.table, 'id')).toEqual(['r1', 'r3', 'r4']);
    expect(col(outputs.duplicates.table, 'duplicate_of')).toEqual(['r1', 'r4']);
    expect(col(outputs.clusters.table, 'judged_by')).toEqual(['char', 'char', 'char', 'word', 'word']);
    expect(col(outputs.clusters.table, 'threshold')).toEqual(['0.83', '0.83', '0.83', '0.7', '0.7']);
    const report = outputs.report.json as {
      byUnit: Record<string, { records: number; duplicates: number; threshold: number }>;
      settings: Record<string, unknown>;
    };
    expect(report.byUnit.char).toMatchObject({ records: 3, duplicates: 1, threshold: 0.83 });
    expect(report.byUnit.word).toMatchObject({ records: 2, duplicates: 1, threshold: 0.7 });
    expect(report.settings.shingle).toMatchObject({ value: 'auto' });
  });
});
