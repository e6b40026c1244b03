import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { definitionLoader } from '../src/index.js';

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
