// Regenerates configs/datanets/datanet.schema.json from the zod definition (`npm run schema`).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datanetJsonSchemaText } from '../src/definition/json-schema.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '../../../configs/datanets/datanet.schema.json');
writeFileSync(target, datanetJsonSchemaText());
console.log(`wrote ${target}`);
