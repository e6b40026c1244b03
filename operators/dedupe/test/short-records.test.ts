import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ENGINES, openTestDb, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { col, textTable } from './text-table.js';
import { dedupeMinhash, normalizeStructured, recordSimilarity, recordTokens, structuredTokens } from '../src/index.js';
import { minhashSettings } from '../src/minhash-dedupe.js';
import { specOf } from '../src/minhash-operator.js';
import { asciiJoinedTokens, charGramHashes, joinedGramHashes, lastJoinedGramHashes, structuredGramHashes } from '../src/structured-text.js';

const tok = (s: string) => recordTokens(s);
const sim = (a: string, b: string) => recordSimilarity(tok(a), tok(b));

/** A seeded linear congruential generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let r = seed;
  return () => (r = (Math.imul(r, 1103515245) + 12345) & 0x7fffffff) / 0x80000000;
}

/** Counts, for bars(full value), the values with a bar that stopped (below it) and those wrong (a value at or over the bar not exact, or a stop under a bar the value reaches). */
function checkBars(x: string[], y: string[], bars: (full: number) => number[], count: { wrong: number; stopped: number }): void {
  const full = recordSimilarity(x, y);
  for (const bar of bars(full)) {
    const v = recordSimilarity(x, y, bar);
    if (v < bar) count.stopped++;
    if ((full >= bar || v >= bar) && v !== full) count.wrong++;
    if (v < bar && full >= bar) count.wrong++;
  }
}

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
    const rand = seeded(7);
    return Array.from({ length: 3000 }, () =>
      Array.from({ length: Math.floor(rand() * 24) }, () => parts[Math.floor(rand() * parts.length)]).join(''),
    );
  })();

  // A trailing combining mark outside the BMP (a surrogate pair) sends a record down the
  // whole-string Unicode path (NFKD, marks dropped) with the same text; one in the BMP, down the
  // path that folds it unit by unit.
  const unicodePath = (text: string) => text + '\u{1D167}';
  const foldedPath = (text: string) => text + '\u0301';

  it('tokenises ASCII text in one pass exactly as the Unicode path does', () => {
    let different = 0;
    for (const text of records)
      for (const fields of [true, false])
        if (JSON.stringify(structuredTokens(text, fields)) !== JSON.stringify(structuredTokens(unicodePath(text), fields))) different++;
    expect(different).toBe(0);
    expect(structuredTokens('Vol. 07; Smith, J.', true)).toEqual(structuredTokens(unicodePath('Vol. 07; Smith, J.'), true));
  });

  it('tokenises text folded unit by unit exactly as the whole-string Unicode path does', () => {
    // Records with letters of many scripts, compatibility forms (ligatures, fractions, circled
    // digits, full-width forms), typographic punctuation, precomposed and decomposed accents,
    // capital and small sigma, and random units of the BMP.
    const rand = seeded(3);
    const parts = [
      ...records.slice(0, 40),
      'Müller',
      'Dayıoğlu',
      'Trần',
      'Łódź',
      'Ærø ß ĳ ǅ ŉ',
      '½ ² µ ª İ',
      '’ – “ ” … —',
      'ﬁ ① ㎏ Ｆｕｌｌ',
      'ΟΔΥΣΣΕΥΣ Σ σ ς \u03f9',
      'Пётр Ильич',
      '日本語 テキスト',
      'e\u0301 n\u0303',
      '٣٤ ۱۲',
      '07',
    ];
    let different = 0;
    for (let k = 0; k < 3000; k++) {
      let text = '';
      for (let j = Math.floor(rand() * 12); j > 0; j--)
        text += rand() < 0.2 ? String.fromCharCode(0x80 + Math.floor(rand() * 0xd780)) : parts[Math.floor(rand() * parts.length)];
      for (const fields of [true, false])
        if (JSON.stringify(structuredTokens(foldedPath(text), fields)) !== JSON.stringify(structuredTokens(unicodePath(text), fields)))
          different++;
    }
    expect(different).toBe(0);
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
      // The hashes of the points asciiJoinedTokens wrote as it joined, then of the joined bytes.
      else if (lastJoinedGramHashes(5, a) !== n || a.subarray(0, n).some((x, i) => x !== b[i])) different++;
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
    const count = { wrong: 0, stopped: 0 };
    for (let i = 0; i + 1 < 600; i++)
      checkBars(tok(records[i]), tok(records[(i * 37 + 11) % records.length]), () => [0.5, 0.83, 0.95], count);
    expect(count.wrong).toBe(0);
    expect(count.stopped).toBeGreaterThan(0);
  });

  it('stops early only below the bar against edited copies too (split and joined words, typos, initials)', () => {
    // Copies of real-looking records with character edits: a space moved, dropped or added (words
    // split and joined), letters dropped, swapped or replaced, initials glued: the pairs where
    // joins, initials and typos match what exact matching left, next to a bar at, under and over
    // their value.
    const texts = [
      ref,
      'Lowry OH, Rosebrough NJ, Farr AL, Randall RJ. Protein measurement with the Folin phenol reagent. J Biol Chem. 1951;193(1):265-75.',
      'What are the symptoms of Adult Acute Lymphoblastic Leukemia ?. Adult Acute Lymphoblastic Leukemia. symptoms. CancerGov',
      'How to diagnose Childhood Central Nervous System Embryonal Tumors ?. Childhood Central Nervous System Embryonal Tumors. exams and tests',
      '@tanstack/react-store. 0.7.1. Framework agnostic type-safe store w/ reactive framework adapters. Tanner Linsley. store, react. MIT',
    ];
    const rand = seeded(11);
    const edit = (text: string): string => {
      const c = text.split('');
      for (let e = 0, edits = 1 + Math.floor(rand() * 4); e < edits; e++) {
        const at = Math.floor(rand() * c.length);
        const op = Math.floor(rand() * 6);
        if (op === 0) c.splice(at, 0, ' ');
        else if (op === 1 && c[at] === ' ') c.splice(at, 1);
        else if (op === 2) c.splice(at, 1);
        else if (op === 3 && at + 1 < c.length) [c[at], c[at + 1]] = [c[at + 1], c[at]];
        else if (op === 4) c[at] = 'etaoinshr'[Math.floor(rand() * 9)];
        else c.splice(at, 2, c[at] ?? '', '.', ' ');
      }
      return c.join('');
    };
    const count = { wrong: 0, stopped: 0 };
    // (Not at the value itself: a bound that ties with it may round a unit lower.)
    // A bar exactly at the value too: the early exit must not round a pair at the bar under it.
    const bars = (full: number) => [0.5, 0.83, 0.9, 0.95, full, full + 1e-9, full - 1e-9].filter((bar) => bar > 0);
    for (const text of texts)
      for (let k = 0; k < 200; k++) {
        const x = tok(text);
        const y = tok(edit(k % 2 ? text : edit(text)));
        checkBars(x, y, bars, count);
        checkBars(y, x, bars, count);
      }
    expect(count.wrong).toBe(0);
    expect(count.stopped).toBeGreaterThan(0);
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

  it('matches initials written together with initials written apart, whichever side is longer', () => {
    const pairs = [
      // "S" of "S Afr J Sci" and "J" of "J Geophys Res" must not take the letters of "T. S." and "J. W."
      [
        'Nguyen TS, Park S. Tidal mixing in estuaries. S Afr J Sci. 2008;104:112-8.',
        'Nguyen, T. S., & Park, S. (2008). Tidal mixing in estuaries. South African Journal of Science, 104, 112-118.',
      ],
      [
        'Hale DR, Kim JW. Sediment transport in braided rivers. J Geophys Res. 2004;109:112-9.',
        'Hale, D. R., & Kim, J. W. (2004). Sediment transport in braided rivers. Journal of Geophysical Research, 109, 112-119.',
      ],
      [
        'Cox DR. Partial likelihood. J R Stat Soc B. 1975;62:269-76.',
        'D. R. Cox, "Partial likelihood," Journal of the Royal Statistical Society B, vol. 62, pp. 269-276, 1975.',
      ],
      // "AL" is initials here, not half of "et al"
      [
        'Reyes AL, Chen B. Soil carbon under cover crops. Agron J. 2011;103:44-51.',
        'Reyes, A. L., Chen, B. (2011). Soil carbon under cover crops. Agronomy Journal, 103, 44-51.',
      ],
      // reporters: "US" / "U.S.", "L Ed 2d" / "L. Ed. 2d"
      ['Smith v. Jones, 512 US 218, 129 L Ed 2d 118 (1994).', 'Smith v. Jones, 512 U.S. 218, 129 L. Ed. 2d 118 (1994).'],
      // and names cut to initials still match the names
      [
        'Smith, John Ronald. Insulin resistance in adolescents. Journal of Clinical Endocrinology, 2019.',
        'Smith, J. R. Insulin resistance in adolescents. Journal of Clinical Endocrinology, 2019.',
      ],
    ];
    for (const [a, b] of pairs) {
      expect(sim(a, b), b).toBeGreaterThanOrEqual(0.83);
      expect(sim(b, a)).toBe(sim(a, b));
      expect(sim(a.toUpperCase(), b.toLowerCase())).toBe(sim(a, b));
    }
  });

  it('reads "et al." as the authors it stands for: no words of the record', () => {
    const all =
      'Okafor C, Lindqvist M, Tanaka H, Novak P, Silva R. Graph sampling for sparse sensor networks. IEEE Trans Signal Process. 2019;67:3301-12.';
    const etAl =
      'Okafor, C., Lindqvist, M., et al. (2019). Graph sampling for sparse sensor networks. IEEE Transactions on Signal Processing, 67, 3301-3312.';
    expect(sim(all, etAl)).toBeGreaterThanOrEqual(0.83);
    expect(sim(all, etAl.replace('et al.', 'et. al.'))).toBe(sim(all, etAl));
    const title = 'Graph sampling for sparse sensor networks. IEEE Trans Signal Process. 2019;67:3301-12.';
    expect(sim(`Okafor C, et al. ${title}`, `Okafor C. ${title}`)).toBe(1);
    expect(sim(`Okafor C, ET AL. ${title}`, `Okafor C. ${title}`)).toBe(1);
    // Only "et" followed by "al": "AL" alone is initials, "et" alone a word.
    expect(sim(`Farr AL. ${title}`, `Farr. ${title}`)).toBeLessThan(1);
    expect(sim(`Okafor C, et Lindqvist M. ${title}`, `Okafor C, Lindqvist M. ${title}`)).toBeLessThan(1);
  });

  it('keeps two papers of the same authors in the same journal apart, whatever the citation styles', () => {
    const a = 'Hale DR, Kim JW. Sediment transport in braided rivers. J Geophys Res. 2004;109:112-9.';
    const others = [
      'Hale, D. R., & Kim, J. W. (2006). Bank erosion under seasonal flooding. Journal of Geophysical Research, 111, 45-58.',
      'Hale, D. R., & Kim, J. W. (2006). Sediment transport in meandering rivers. Journal of Geophysical Research, 111, 45-58.',
      'D. R. Hale and J. W. Kim, "Sediment transport in braided rivers," J. Geophys. Res., vol. 110, pp. 201-209, 2005.',
    ];
    for (const o of others) expect(sim(a, o), o).toBeLessThan(0.83);
    expect(
      sim(
        'Okafor C, Lindqvist M, et al. Graph sampling for sparse sensor networks. IEEE Trans Signal Process. 2019;67:3301-12.',
        'Okafor, C., Lindqvist, M., et al. (2020). Graph coloring for dense sensor networks. IEEE Trans Signal Process, 68, 101-109.',
      ),
    ).toBeLessThan(0.83);
    expect(sim('Smith v. Jones, 512 US 218 (1994).', 'Smith v. Jones, 513 U.S. 218 (1995).')).toBeLessThan(0.83);
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

// A reference with a long author list: 50 words, where records were judged as long ones (word
// 5-grams) before medium records; its copy re-entered with initials, the first two authors
// swapped and the journal abbreviated (45 words) is a duplicate by recordSimilarity (0.93) and
// shares a fifth of its word 5-grams. The same authors' other paper in the same journal is not.
const manyAuthors =
  'Siegel, Jane D.; Rhinehart, Emily; Jackson, Marguerite; Chiarello, Linda; Ward, Peter; Lee, Kim; Brown, Alan; Green, Susan; White, Robert. ' +
  'Management of multidrug-resistant organisms in health care settings: guidance from the advisory committee on infection control practices. ' +
  'American Journal of Infection Control, vol. 35, no. 10, pp. 165-193, 2007.';
const manyAuthorsCopy =
  'Rhinehart E, Siegel JD, Jackson M, Chiarello L, Ward P, Lee K, Brown A, Green S, White R. Management of multidrug-resistant organisms in health care settings: ' +
  'guidance from the advisory committee on infection control practices. Am J Infect Control 35(10):165-193, 2007.';
const manyAuthorsOther = manyAuthors
  .replace(
    'Management of multidrug-resistant organisms in health care settings',
    'Isolation precautions for preventing transmission of infectious agents in hospitals',
  )
  .replace('165-193', '65-164');
// Prose of 78 words with two neighbouring words replaced: its word 5-gram Jaccard is 0.85, over
// the long records' 0.7, while recordSimilarity would give 0.81. Prose (a third of its words are
// function words) is never medium: it stays a long record, judged by its word 5-grams.
const prose =
  'Headaches are one of the most common disorders of the nervous system, and most people have them from time to time. These headaches are usually not a sign of a serious problem, ' +
  'but some of them can be. A doctor will ask about the pattern of the headaches, what makes them better or worse, and whether they run in the family, and may order tests of the blood or images of the brain when the pattern is unusual.';

describe('dedupe.minhash defaults on medium records (50-99 words)', () => {
  it('bands structured ones by characters and judges them by recordSimilarity or word Jaccard; prose stays long', async () => {
    const rows = [
      { id: 'm1', text: manyAuthors },
      { id: 'm2', text: manyAuthorsCopy },
      { id: 'm3', text: manyAuthorsOther },
      { id: 'p1', text: prose },
      { id: 'p2', text: prose.replace('the brain', 'involuntary805 hereditary860') },
    ];
    const { outputs } = await runOperator(dedupeMinhash, { inputs: { table: textTable(rows, false) } });
    expect(col(outputs.kept.table, 'id')).toEqual(['m1', 'm3', 'p1']);
    expect(col(outputs.duplicates.table, 'duplicate_of')).toEqual(['m1', 'p1']);
    expect(col(outputs.clusters.table, 'judged_by')).toEqual(['char+word', 'char', 'char+word', 'word', 'word']);
    const report = outputs.report.json as { byUnit: Record<string, { records: number; selectedBy: string; threshold: number }> };
    expect(report.byUnit['char+word']).toMatchObject({ records: 2, selectedBy: '50 to 99 words, not prose', threshold: 0.83 });
    expect(report.byUnit.word).toMatchObject({ records: 2, threshold: 0.7 });
  });

  for (const engine of DB_ENGINES) {
    it(`keeps the rule an index on ${engine} was built with before medium records, and says so`, async () => {
      const t = await openTestDb(engine);
      try {
        const opts = { db: t.db, dialect: engine } as const;
        // A scope whose stored settings predate medium records (no mediumWords in its short settings).
        const { migrateDedupeIndex } = await import('../src/index-store.js');
        const spec = specOf(dedupeMinhash.config.parse({}));
        const { mediumWords, ...oldShort } = spec.short!;
        expect(mediumWords).toBe(100);
        await migrateDedupeIndex(t.db);
        await t.db
          .insertInto('datanet_dedupe_scopes')
          .values({ scope: 'old-refs', kind: 'minhash', settings: minhashSettings({ ...spec, short: oldShort }) })
          .execute();
        const run = await runOperator(dedupeMinhash, {
          ...opts,
          config: { index: 'old-refs' },
          inputs: {
            table: textTable(
              [
                { id: 'm1', text: manyAuthors },
                { id: 'm2', text: manyAuthorsCopy },
              ],
              false,
            ),
          },
        });
        // As before: the 50-word reference is judged by words, its 45-word copy by characters, apart.
        expect(col(run.outputs.clusters.table, 'judged_by')).toEqual(['word', 'char']);
        expect(col(run.outputs.kept.table, 'id')).toEqual(['m1', 'm2']);
        expect((run.outputs.report.json as { mediumRecords: string }).mediumRecords).toMatch(/built before medium records/);
        // A new scope gets the rule: the copy is found.
        const fresh = await runOperator(dedupeMinhash, {
          ...opts,
          config: { index: 'new-refs' },
          inputs: {
            table: textTable(
              [
                { id: 'm1', text: manyAuthors },
                { id: 'm2', text: manyAuthorsCopy },
              ],
              false,
            ),
          },
        });
        expect(col(fresh.outputs.duplicates.table, 'duplicate_of')).toEqual(['m1']);
      } finally {
        await t.close();
      }
    });
  }
});

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
