import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath, corpusSkipReason } from '@datanet/pipelines/testing';
import { describe, expect, it } from 'vitest';
import { checkCroissant } from '../src/croissant/check-croissant.js';

const DATASETS = 'croissant/datasets';
const INVALID = 'croissant/python/mlcroissant/mlcroissant/_src/tests/graphs';
const datasetsDir = corpusPath(DATASETS);
const invalidDir = corpusPath(INVALID);

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'data' && e.name !== 'output') out.push(...jsonFiles(p));
    else if (e.isFile() && e.name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

describe.skipIf(!datasetsDir)(datasetsDir ? 'real Croissant examples' : corpusSkipReason(DATASETS), () => {
  const files = datasetsDir ? jsonFiles(datasetsDir) : [];
  it('finds the 11 real metadata files', () => expect(files.length).toBe(11));
  it.each(files.map((f) => [f.slice((datasetsDir ?? '').length + 1), f]))('%s passes', (_, file) => {
    const check = checkCroissant(JSON.parse(readFileSync(file, 'utf8')));
    expect(check.errors).toEqual([]);
    expect(check.version).not.toBe('unknown');
  });
});

/** The error lines of mlcroissant's expected output (warnings are not ours to match). */
function expectedErrors(outputTxt: string): string[] {
  const errorsPart = outputTxt.split(/Found the following \d+ warning/)[0];
  return errorsPart
    .split('\n')
    .filter((l) => l.trim().startsWith('-'))
    .map((l) => l.trim().replace(/^-\s+/, ''));
}

describe.skipIf(!invalidDir)(invalidDir ? 'invalid Croissant cases from mlcroissant' : corpusSkipReason(INVALID), () => {
  const cases = invalidDir
    ? ['1.0', '1.1'].flatMap((v) => readdirSync(join(invalidDir, v)).map((c) => [`${v}/${c}`, join(invalidDir, v, c)]))
    : [];
  it('finds the 15 cases', () => expect(cases.length).toBe(15));
  it.each(cases)('%s is rejected with the expected error', (_, dir) => {
    expect(existsSync(join(dir, 'output.txt'))).toBe(true);
    const check = checkCroissant(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')));
    expect(check.ok).toBe(false);
    const ours = check.errors.map((e) =>
      e.where === 'Metadata' || (/^Metadata\([^)]*\)$/.test(e.where) && !e.message.startsWith('Property'))
        ? e.message
        : `[${e.where}] ${e.message}`,
    );
    const all = check.errors.flatMap((e) => [e.message, `[${e.where}] ${e.message}`]);
    // Every error we report must be one mlcroissant reports, and we must report at least one of
    // them; mlcroissant sometimes adds follow-on errors we do not chase.
    const expected = expectedErrors(readFileSync(join(dir, 'output.txt'), 'utf8'));
    const matched = expected.filter((line) => all.some((ourLine) => line.startsWith(ourLine) || ourLine.startsWith(line)));
    expect(matched.length, `ours: ${JSON.stringify(ours)}\nexpected: ${JSON.stringify(expected)}`).toBeGreaterThan(0);
  });
});

describe('checkCroissant on hand-made documents', () => {
  const minimal = {
    '@context': {
      '@vocab': 'https://schema.org/',
      sc: 'https://schema.org/',
      cr: 'http://mlcommons.org/croissant/',
      dct: 'http://purl.org/dc/terms/',
      conformsTo: 'dct:conformsTo',
    },
    '@type': 'sc:Dataset',
    name: 'x',
    description: 'd',
    conformsTo: 'http://mlcommons.org/croissant/1.1',
    url: 'https://example.org',
  };
  it('accepts the minimum, and warns about the licence only when not strict', () => {
    const c = checkCroissant(minimal);
    expect(c.ok).toBe(true);
    expect(c.warnings.some((w) => w.message.includes('license'))).toBe(true);
    const strict = checkCroissant(minimal, { strict: true });
    expect(strict.ok).toBe(false);
    expect(strict.errors.map((e) => e.message).join('\n')).toMatch(/license[\s\S]*creator[\s\S]*datePublished[\s\S]*dataCollection/);
  });
  it('tolerates http://schema.org and rejects a missing name', () => {
    const { name: _, ...noName } = { ...minimal, '@context': { ...minimal['@context'], '@vocab': 'http://schema.org/' } };
    const c = checkCroissant(noName);
    expect(c.errors.map((e) => e.message)).toEqual(['Property "https://schema.org/name" is mandatory, but does not exist.']);
  });
});
