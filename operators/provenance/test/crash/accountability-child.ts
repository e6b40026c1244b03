// A real process running the accountability loop (propose, dispute resolution, re-settlement,
// finalisation, on-chain commit) against PostgreSQL and an embedded chain; the test kills it with
// SIGKILL at random points and starts it again. It prints "phase NAME" as each phase begins.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { DatanetChain } from '@datanet/connector-evm';
import { PHASES, runPhase } from './accountability-scenario.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, options: `-c search_path=${process.env.SCHEMA}`, max: 2 });
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
let chain: DatanetChain | undefined;
const openChain = async () => (chain ??= await DatanetChain.open({ mode: 'embedded' }, process.env.STATE_DIR!));
process.stdout.write('ready\n');
for (const phase of PHASES) {
  process.stdout.write(`phase ${phase}\n`);
  await runPhase(db, phase, openChain);
}
process.stdout.write('done\n');
await chain?.close();
await db.destroy();
