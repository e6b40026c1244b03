// Child process of the crash test: settles EPOCHS epochs against PostgreSQL (schema SCHEMA),
// printing "ready" once connected so the parent can kill it at a random point after that.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { epochOfDate } from '../../src/core/epoch.js';
import { settleEpoch } from '../../src/settle/settle-epoch.js';
import { crashEpochs, crashInputs, CRASH_SPLIT, CRASH_WEIGHT } from './crash-inputs.js';

const schema = process.env.SCHEMA!;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${schema}`, max: 2 });
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
await db.selectNoFrom((eb) => eb.val(1).as('x')).execute();
process.stdout.write('ready\n');
for (const date of crashEpochs()) {
  const epoch = epochOfDate(date, 'UTC');
  await settleEpoch(db, { datanet: 'crash', epoch, split: CRASH_SPLIT, standingWeight: CRASH_WEIGHT, load: async () => crashInputs(date) });
  process.stdout.write(`settled ${date}\n`);
}
await db.destroy();
