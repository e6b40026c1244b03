// Child process of hostile-intake.test.ts: one intake run over an inbox against a PostgreSQL
// schema, as `datanet run` would do it, reporting what it decided and its own peak memory (maxRSS
// covers the parser worker threads too: they live in this process).
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { loadDatanetDefinition } from '@datanet/datanet';
import { processInbox } from '../../src/intake/process-inbox.js';

const [url, schema, definitionPath, inbox] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 2 });
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
const definition = loadDatanetDefinition(definitionPath);
const started = performance.now();
const result = await processInbox({ db, dialect: 'postgres', definition, inbox, runId: `child-${process.pid}` });
const intakeMs = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    maxRssKb: process.resourceUsage().maxRSS,
    parsersStarted: result.parsersStarted,
    intakeMs,
    decidedNow: result.decidedNow,
    submissions: result.submissions,
    accepted: result.accepted.map((a) => ({ contributor: a.contributor, submission_id: a.submission_id, source_file: a.source_file })),
    rejections: result.rejections.map((r) => ({
      submission_id: r.submission_id,
      file: r.file,
      reason_code: r.reason_code,
      message: r.message,
    })),
  }),
);
await db.destroy();
