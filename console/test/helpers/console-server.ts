import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const REPO = resolve(import.meta.dirname, '../../..');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ConsoleServer {
  url: string;
  root: string;
  /** Grants a role on a scope ('*': the deployment) to an address, as an owner would. */
  grant(scope: string, address: string, role: 'reviewer' | 'steward' | 'owner'): Promise<void>;
  /** SQL on the server's store; `{schema}` stands for its schema. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * A real `datanet serve` process on a fresh PostgreSQL schema, in a folder of its own whose
 * configs/ hold the repository's pipelines, quality rules and Datanets; `roles` is appended to
 * the named Datanets' YAML. One per test file.
 */
export async function startConsoleServer(
  o: {
    roles?: Record<string, string>;
    withoutPipelines?: string[];
    /** A folder of public corpora for this deployment (DATANET_CORPORA): a Datanet's steward may name files in it as parameters. */
    corpora?: string;
  } = {},
): Promise<ConsoleServer> {
  const root = mkdtempSync(join(tmpdir(), 'datanet-console-'));
  mkdirSync(join(root, 'configs'), { recursive: true });
  for (const d of ['pipelines', 'datanets', 'quality']) cpSync(join(REPO, 'configs', d), join(root, 'configs', d), { recursive: true });
  for (const file of o.withoutPipelines ?? []) rmSync(join(root, 'configs', 'pipelines', file));
  for (const [datanet, yaml] of Object.entries(o.roles ?? {})) {
    const file = join(root, 'configs', 'datanets', `${datanet}.yaml`);
    writeFileSync(file, `${readFileSync(file, 'utf8').replace(/^roles:[\s\S]*?(?=^\S|$(?![\s\S]))/m, '')}\nroles:\n${yaml}\n`);
  }
  const schema = `console_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const child: ChildProcess = spawn(process.execPath, [join(REPO, 'pipelines/bin/datanet.mjs'), 'serve', '--port', '0'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      DATANET_STATE_DIR: join(root, '.datanet'),
      DATANET_LOG_LEVEL: 'warn',
      ...(o.corpora ? { DATANET_CORPORA: o.corpora } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const address = await new Promise<string>((done, fail) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        done(m[1]);
      }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`datanet serve exited (${code}) before listening:\n${out.slice(-3000)}`));
    });
  });
  // The console is built on the first start after an install: wait for its pages.
  for (let i = 0; ; i++) {
    const res = await fetch(address).catch(() => undefined);
    if (res?.status === 200) break;
    if (i > 600 || (res && res.status !== 503)) throw new Error(`the console did not come up (HTTP ${res?.status}):\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url: address,
    root,
    async grant(scope, principal, role) {
      await admin.query(
        `INSERT INTO ${schema}.server_roles (scope, principal, role, source, granted_at) VALUES ($1, $2, $3, 'test', $4) ON CONFLICT DO NOTHING`,
        [scope, principal.toLowerCase(), role, Date.now()],
      );
    },
    sql: (text, values) => admin.query(text.replaceAll('{schema}', schema), values),
    log: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
