// Regenerates src/schema.ts from the committed openapi.json (after `npx datanet serve --openapi openapi.json`).
import { writeFileSync } from 'node:fs';
import { generateSchema, SCHEMA_FILE } from '../src/generate-schema.js';

writeFileSync(SCHEMA_FILE, await generateSchema());
process.stderr.write(`wrote ${SCHEMA_FILE}\n`);
