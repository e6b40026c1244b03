import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

export const CLIENT_ROOT = resolve(import.meta.dirname, '..');
export const OPENAPI_FILE = resolve(CLIENT_ROOT, '../openapi.json');
export const SCHEMA_FILE = resolve(CLIENT_ROOT, 'src/schema.ts');

const HEADER = `// Generated from openapi.json by \`npm run generate -w client\` (openapi-typescript). Do not edit:
// a test fails when this file differs from what the generator writes.
`;

/** The TypeScript types of the API (paths, operations, components) from the OpenAPI document. */
export async function generateSchema(openapiJson = readFileSync(OPENAPI_FILE, 'utf8')): Promise<string> {
  const ast = await openapiTS(JSON.parse(openapiJson), { alphabetize: false, exportType: false });
  const source = HEADER + astToString(ast);
  // Formatted with the repository's prettier settings so `prettier --check .` and this file agree.
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(source, { ...options, filepath: SCHEMA_FILE });
}
