import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers.js';

const SCHEMA = resolve(import.meta.dirname, '../../configs/pipelines/pipeline.schema.json');

describe('published pipeline JSON Schema', () => {
  it('is up to date with the zod definitions (regenerate: npx datanet schema --out configs/pipelines/pipeline.schema.json)', async () => {
    const { stdout } = await promisify(execFile)('node', [BIN, 'schema'], {
      maxBuffer: 1 << 26,
      cwd: resolve(import.meta.dirname, '../..'),
    });
    expect(JSON.parse(stdout)).toEqual(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  }, 60_000);

  it('offers every operator for uses: and the config of each under with:', () => {
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
    const step = schema.properties.steps.additionalProperties;
    expect(step.properties.uses.anyOf[0].enum).toContain('table.read');
    const read = step.allOf.find((c: any) => c.if.properties.uses.const === 'table.read');
    expect(Object.keys(read.then.properties.with.properties)).toEqual(expect.arrayContaining(['path', 'format', 'limit']));
  });
});
