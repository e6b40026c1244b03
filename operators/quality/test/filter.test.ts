import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Table, Utf8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { openTestDb, REPO_ROOT, runOperator, type TestDb } from '@datanet/pipelines/testing';
import { contributorStats, listContributions, openRegistry, recordContributions, standingOf } from '@datanet/datanet';
import { RULES, RULES_BY_NAME, TextStats, activeRules, qualityFilter } from '../src/index.js';

const measure = (name: string, text: string) => RULES_BY_NAME.get(name)!.measure(new TextStats(text));
const prose = (n: number) =>
  Array.from({ length: n }, (_, i) => `The patient number ${i} was treated with care and that helped to improve the outcome.`).join(' ');

describe('rule measurements', () => {
  it('counts words without punctuation-only tokens and measures mean length', () => {
    expect(measure('gopher.min_words', 'Hello , world -- again !')).toBe(3);
    expect(measure('gopher.min_avg_word_length', 'ab abcd')).toBe(3);
  });

  it('measures symbol, bullet, ellipsis and alphabetic ratios', () => {
    // "#" alone is not a word: 1 hash over 9 words
    expect(measure('gopher.symbol_word_ratio', '# one two three four five six seven eight nine')).toBeCloseTo(1 / 9, 6);
    expect(measure('gopher.bullet_lines', '- a\n- b\nc\n• d')).toBe(0.75);
    expect(measure('gopher.ellipsis_lines', 'wait...\nok\nhmm…\nyes')).toBe(0.5);
    expect(measure('gopher.alpha_words', 'abc 123 4.5 def')).toBe(0.5);
    expect(measure('gopher.stop_words', 'The cat and the dog with a hat')).toBe(4);
  });

  it('measures repetition like datatrove', () => {
    expect(measure('gopher_repetition.dup_line_frac', 'a b\nc d\na b\na b')).toBe(0.5);
    expect(measure('gopher_repetition.dup_para_frac', 'p one\n\np two\n\np one')).toBeCloseTo(1 / 3, 6);
    // "x y" appears 3 times: 3 * len("x y") over len(text)
    const text = 'x y x y x y z';
    expect(measure('gopher_repetition.top_2gram', text)).toBeCloseTo((3 * 3) / text.length, 6);
    // the second "a b c d e" is a repeat: 5 chars (joined without spaces) over the text length
    const rep = 'a b c d e a b c d e';
    expect(measure('gopher_repetition.dup_5gram', rep)).toBeCloseTo(5 / rep.length, 6);
  });

  it('measures C4 and FineWeb line rules', () => {
    const doc = 'This is one. And two! Three?\nshort\nEnable javascript to view this page.\nwe use cookies on this site.';
    expect(measure('c4.javascript', doc)).toBe(1);
    expect(measure('c4.policy', doc)).toBe(1);
    expect(measure('c4.terminal_punct', doc)).toBe(1);
    expect(measure('c4.min_sentences', doc)).toBe(3);
    expect(measure('c4.curly_bracket', 'function f() { return 1; }')).toBe(2);
    expect(measure('c4.lorem_ipsum', 'Lorem ipsum dolor sit amet')).toBe(1);
    expect(measure('fineweb.line_punct_ratio', 'a.\nb\nc\nd')).toBe(0.25);
    expect(measure('fineweb.short_line_ratio', 'short\n' + 'x'.repeat(40))).toBe(0.5);
    expect(measure('fineweb.list_ratio', 'one\ntwo\nthree four')).toBeCloseTo(2 / 4, 6);
  });

  it('has a distinct reason code for every rule', () => {
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
  });
});

describe('rule sets', () => {
  it('loads the medical-qa set from configs/quality and applies its overrides', async () => {
    const rules = await activeRules({ ruleSet: 'configs/quality/medical-qa.yaml' }, REPO_ROOT);
    const byName = new Map(rules.map((r) => [r.rule.name, r.threshold]));
    expect(byName.get('gopher.min_words')).toBe(5);
    expect(byName.has('gopher.bullet_lines')).toBe(false);
    expect(byName.get('gopher.max_avg_word_length')).toBe(10);
    const inline = await activeRules({ ruleSet: 'configs/quality/medical-qa.yaml', rules: { 'gopher.min_words': 20 } }, REPO_ROOT);
    expect(inline.find((r) => r.rule.name === 'gopher.min_words')!.threshold).toBe(20);
  });

  it('accepts family names as Datanet definitions write them, in a list', async () => {
    const rules = await activeRules({ ruleSet: ['gopher-quality', 'gopher-repetition'] }, REPO_ROOT);
    const families = new Set(rules.map((r) => r.rule.family));
    expect([...families]).toEqual(['gopher', 'gopher_repetition']);
    await expect(activeRules({ ruleSet: 'medical' }, REPO_ROOT)).rejects.toThrow(/ruleSet "medical" is neither a family/);
  });

  it('names the file, line and rule of a mistake', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ruleset-'));
    await writeFile(join(dir, 'bad.yaml'), 'presets: [gopher]\nrules:\n  gopher.min_wrds: 3\n');
    await expect(activeRules({ ruleSet: 'bad.yaml' }, dir)).rejects.toThrow(
      /bad\.yaml: rules\.gopher\.min_wrds: unknown quality rule; did you mean "gopher\.min_words"\?/,
    );
    await writeFile(join(dir, 'bad2.yaml'), 'presets: [gopher]\nrules:\n  gopher.min_words: { threshold: "x" }\n');
    await expect(activeRules({ ruleSet: 'bad2.yaml' }, dir)).rejects.toThrow(/bad2\.yaml:3:\d+: rules\.gopher\.min_words/);
  });
});

describe('quality.filter operator', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  });
  afterAll(async () => t?.close());

  it('keeps good records and rejects others with rule, reason, value and threshold', async () => {
    const rows = [
      { id: 'good', text: prose(8) },
      { id: 'short', text: 'Too short to be useful.' },
      { id: 'code', text: prose(8) + ' function main() { return 0; }' },
    ];
    const input = new Table({
      id: vectorFromArray(
        rows.map((r) => r.id),
        new Utf8(),
      ),
      text: vectorFromArray(
        rows.map((r) => r.text),
        new Utf8(),
      ),
    });
    const { outputs } = await runOperator(qualityFilter, {
      db: t.db,
      config: { presets: ['gopher', 'c4'], rules: { 'c4.min_sentences': 3 } },
      inputs: { table: input },
    });
    expect([...outputs.kept.table!.getChild('id')!]).toEqual(['good']);
    const rej = outputs.rejected.table!;
    expect([...rej.getChild('id')!]).toEqual(['short', 'code']);
    expect([...rej.getChild('rule')!]).toEqual(['gopher.min_words', 'c4.curly_bracket']);
    expect([...rej.getChild('value')!]).toEqual([5, 2]);
    expect([...rej.getChild('threshold')!]).toEqual([50, 0]);
    expect(String(rej.getChild('reason')!.get(0))).toMatch(/words.*: 5 \(gopher.min_words needs at least 50\)/);
    expect(String(rej.getChild('failed_rules')!.get(0))).toContain('c4.min_sentences');
    const scores = outputs.scores.table!;
    expect([...scores.getChild('passed')!]).toEqual([true, false, false]);
    expect(scores.getChild('gopher__min_words')!.get(0)).toBe(8 * 15);
    const report = outputs.report.json as { rules: { rule: string; failed: number }[] };
    expect(report.rules.find((r) => r.rule === 'gopher.min_words')!.failed).toBe(1);
  });
});

describe('quality.filter on a Datanet intake table', () => {
  it('drops the rejected records in the registry: 50 junk records earn a contributor no standing (they gave 0.83 before)', async () => {
    const t = await openTestDb('pglite');
    try {
      await openRegistry(t.db, 'pglite');
      const junk = '0x' + '1'.repeat(40);
      const good = '0x' + '2'.repeat(40);
      const rows = [
        ...Array.from({ length: 50 }, (_, i) => ({ contributor: junk, text: `buy now ${i}` })),
        ...Array.from({ length: 3 }, (_, i) => ({ contributor: good, text: `${prose(8)} Case ${i}.` })),
      ].map((r, i) => ({ ...r, id: createHash('sha256').update(r.text).digest('hex'), i }));
      await recordContributions(
        t.db,
        rows.map((r) => ({
          id: r.id,
          datanet: 'tiny',
          contributor: r.contributor,
          submissionId: `s-${r.contributor.slice(2, 3)}`,
          sourceFile: 'records.jsonl',
          recordIndex: r.i,
          licence: 'CC0-1.0',
          consent: 'training',
          submittedAt: 1,
          validatorVersion: 'test',
        })),
      );
      const input = tableFromArrays({ id: rows.map((r) => r.id), datanet: rows.map(() => 'tiny'), text: rows.map((r) => r.text) });
      const { outputs } = await runOperator(qualityFilter, { db: t.db, config: { presets: ['gopher'] }, inputs: { table: input } });
      expect(outputs.rejected.table!.numRows).toBe(50);
      const stats = Object.fromEntries((await contributorStats(t.db, 'tiny')).map((s) => [s.contributor, s]));
      expect(stats[junk]).toMatchObject({ contributions: 0, dropped: 50, standing: 0 });
      expect(stats[good]).toMatchObject({ contributions: 3, dropped: 0 });
      expect(await standingOf(t.db, 'tiny', good)).toBeCloseTo(3 / 13, 12);
      const reasons = new Set((await listContributions(t.db, 'tiny')).filter((c) => c.droppedAt !== null).map((c) => c.dropReason));
      expect([...reasons].every((r) => r?.startsWith('quality.filter: gopher.'))).toBe(true);
    } finally {
      await t.close();
    }
  });
});
