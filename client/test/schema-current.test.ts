// The committed client types are what the generator writes from the committed openapi.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSchema, SCHEMA_FILE } from '../src/generate-schema.js';

describe('generated client types', () => {
  it('match openapi.json', async () => {
    const fresh = await generateSchema();
    expect(fresh).toContain("'/v1/datanets/{id}/submissions'");
    expect(
      readFileSync(SCHEMA_FILE, 'utf8') === fresh,
      'client/src/schema.ts is stale: run `npm run generate -w client` and commit it',
    ).toBe(true);
  });
});
