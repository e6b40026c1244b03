import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionLoader } from '../src/routes/datanet-definitions.js';
import { tempDir } from './fixtures.js';

const REPO = resolve(import.meta.dirname, '../../..');

describe('the routes’ Datanet definitions', () => {
  it('keeps only definitions found: an id that named none is found once its file appears, and made-up ids are not kept', async () => {
    const root = await tempDir();
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
