// Child process of concurrency.test.ts: processes one inbox against a PostgreSQL schema, starting
// together: it says it is ready (a file), then waits for the parent's go file, so that all children
// hit the daily counters at once whatever their start-up time.
import { existsSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { loadDatanetDefinition } from '@datanet/datanet';
import { processInbox } from '../../src/intake/process-inbox.js';

const [url, schema, definitionPath, inbox, syncDir, now] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 4 });
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
const definition = loadDatanetDefinition(definitionPath);
await db.selectFrom('daily_usage').select('day').limit(1).execute(); // connected and warm
writeFileSync(`${syncDir}/ready-${process.pid}`, '');
while (!existsSync(`${syncDir}/go`)) await new Promise((r) => setTimeout(r, 5));
const result = await processInbox({ db, dialect: 'postgres', definition, inbox, now: () => Number(now), runId: `child-${process.pid}` });
process.stdout.write(
  JSON.stringify({
    accepted: [...new Set(result.accepted.map((a) => `${a.submission_id}/${a.source_file}`))].length,
    rejected: result.rejections.map((r) => r.reason_code),
  }),
);
await db.destroy();
