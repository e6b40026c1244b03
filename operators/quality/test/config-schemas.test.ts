import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { REPO_ROOT } from '@datanet/pipelines/testing';
import { qualityConfigSchemas } from '../src/index.js';

const dir = join(REPO_ROOT, 'configs/quality');

describe('published JSON Schemas of rule sets and check suites', () => {
  it('match the zod definitions (UPDATE_SCHEMAS=1 rewrites them)', () => {
    for (const [file, schema] of Object.entries(qualityConfigSchemas())) {
      const text = JSON.stringify(schema, null, 2) + '\n';
      if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(join(dir, file), text);
      // Compared as JSON: formatters may re-wrap the committed file.
      expect(JSON.parse(readFileSync(join(dir, file), 'utf8')), `${file} is stale: run with UPDATE_SCHEMAS=1`).toEqual(schema);
    }
  });

  it('accept the committed YAML files and reject a misspelt field', () => {
    const ajv = new Ajv2020.default({ strict: false });
    const ruleSet = ajv.compile(JSON.parse(readFileSync(join(dir, 'rule-set.schema.json'), 'utf8')));
    const suite = ajv.compile(JSON.parse(readFileSync(join(dir, 'check-suite.schema.json'), 'utf8')));
    for (const f of ['medical-qa.yaml', 'web-text.yaml']) expect(ruleSet(parse(readFileSync(join(dir, f), 'utf8'))), f).toBe(true);
    expect(suite(parse(readFileSync(join(dir, 'titanic-checks.yaml'), 'utf8')))).toBe(true);
    expect(suite({ checks: [{ check: 'regex', column: 'x', patern: 'a' }] })).toBe(false);
  });
});
