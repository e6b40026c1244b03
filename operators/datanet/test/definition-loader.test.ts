import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { definitionLoader } from '../src/index.js';
import { loadDatanetCatalog } from '../src/routes/datanet-catalog.js';

const REPO = resolve(import.meta.dirname, '../../..');
const root = mkdtempSync(join(tmpdir(), 'datanet-definitions-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the routes’ Datanet definitions', () => {
  it('keeps only definitions found: an id that named none is found once its file appears, and made-up ids are not kept', () => {
    mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
    const errors: string[] = [];
    const definition = definitionLoader(root, { error: (_o, msg) => errors.push(msg) });
    expect(definition('medical-qa')).toBeUndefined();
    for (let i = 0; i < 1000; i++) expect(definition(`made-up-${i}`)).toBeUndefined();
    copyFileSync(join(REPO, 'configs', 'datanets', 'medical-qa.yaml'), join(root, 'configs', 'datanets', 'medical-qa.yaml'));
    expect(definition('medical-qa')?.id).toBe('medical-qa');
    expect(definition('../medical-qa')).toBeUndefined();
    expect(errors).toEqual([]);
  });
});

describe('the served Datanets (catalog)', () => {
  it('lists a definition under its own file name only, and names the file to rename otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datanet-catalog-'));
    try {
      mkdirSync(join(dir, 'configs', 'datanets'), { recursive: true });
      copyFileSync(join(REPO, 'configs', 'datanets', 'medical-qa.yaml'), join(dir, 'configs', 'datanets', 'medical-qa.yaml'));
      copyFileSync(join(REPO, 'configs', 'datanets', 'package-docs.yaml'), join(dir, 'configs', 'datanets', 'docs.yml'));
      const errors: string[] = [];
      const catalog = loadDatanetCatalog(dir, (file, message) => errors.push(`${file}: ${message}`));
      expect([...catalog.keys()]).toEqual(['medical-qa']);
      expect(errors).toEqual([join('configs', 'datanets', 'docs.yml') + ': its id is package-docs: name the file package-docs.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
