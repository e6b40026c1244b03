// Real processes for the distributed tests: a PostgreSQL schema, a Redis key prefix and an
// artifact folder of their own per test, workers and coordinators spawned as `datanet` CLIs.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { BIN, freshPostgresUrl, tempDir } from './helpers.js';

const exec = promisify(execFile);
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Cluster {
  dir: string;
  profile: string;
  databaseUrl: string;
  env: Record<string, string>;
  workers: ChildProcess[];
  /** `name` is the worker's state folder under the cluster's: workers given the same name share it (a shared mount). */
  startWorker(args?: string[], name?: string): Promise<{ child: ChildProcess; identity: string; output: () => string }>;
  cli(args: string[], extraEnv?: Record<string, string>): Promise<{ stdout: string; stderr: string }>;
  spawnCli(args: string[], extraEnv?: Record<string, string>): ChildProcess;
  query<T = any>(text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startCluster(settings: Record<string, string> = {}): Promise<Cluster> {
  const dir = tempDir('datanet-dist-');
  const databaseUrl = await freshPostgresUrl();
  const profile = join(dir, 'distributed.yaml');
  mkdirSync(join(dir, 'artifacts'));
  writeFileSync(
    profile,
    `apiVersion: datanet/v1\nkind: Profile\nmetadata: { name: test-distributed }\nexecutor: distributed\ndatabase: { url: ${JSON.stringify(databaseUrl)} }\nredis: { url: ${JSON.stringify(REDIS_URL)} }\nartifacts: { path: ${JSON.stringify(join(dir, 'artifacts'))} }\n`,
  );
  const env: Record<string, string> = {
    DATANET_QUEUE_PREFIX: `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    // Long enough that a worker stalled by a busy machine (other test suites, a CPU hog beside CI)
    // keeps its steps; fault tests wait for the takeover as a state, so a longer lease costs only time.
    DATANET_LEASE_MS: '10000',
    DATANET_HEARTBEAT_MS: '1000',
    DATANET_SWEEP_MS: '500',
    ...settings,
  };
  const schema = /search_path%3D(\w+)/.exec(databaseUrl)?.[1] ?? /search_path=(\w+)/.exec(decodeURIComponent(databaseUrl))?.[1];
  const client = new pg.Client({ connectionString: databaseUrl.replace(/[?&]options=.*$/, '') });
  await client.connect();
  await client.query(`set search_path to ${schema}`);
  const workers: ChildProcess[] = [];
  // The profile names the database and Redis: the machine's own DATABASE_URL must not win over it.
  const childEnv = (extra: Record<string, string> = {}) => {
    const { DATABASE_URL: _d, REDIS_URL: _r, ...rest } = process.env;
    return { ...rest, ...env, ...extra };
  };
  const spawnCli = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawn('node', [BIN, ...args], { env: childEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  const cluster: Cluster = {
    dir,
    profile,
    databaseUrl,
    env,
    workers,
    async startWorker(args = ['--pool', 'cpu'], name = `w${workers.length}`) {
      const child = spawnCli(['--state-dir', join(dir, name), 'worker', '--profile', profile, ...args]);
      let out = '';
      child.stderr!.on('data', (d) => (out += d));
      child.stdout!.on('data', (d) => (out += d));
      workers.push(child);
      const t0 = Date.now();
      while (!out.includes('ready')) {
        if (child.exitCode !== null) throw new Error(`worker exited: ${out}`);
        // Loading every operator package takes a few seconds alone and far longer on a loaded CI machine.
        if (Date.now() - t0 > 180_000) throw new Error(`worker did not start in 180 s: ${out}`);
        await sleep(50);
      }
      return { child, identity: `${hostname()}:${child.pid}`, output: () => out };
    },
    cli(args, extraEnv = {}) {
      return exec('node', [BIN, '--state-dir', join(dir, 'cli'), ...args], { env: childEnv(extraEnv), maxBuffer: 1 << 26 });
    },
    spawnCli: (args, extraEnv) => spawnCli(['--state-dir', join(dir, 'cli'), ...args], extraEnv),
    async query(text, values = []) {
      return (await client.query(text, values)).rows;
    },
    async stop() {
      await Promise.all(
        workers.map(async (w) => {
          if (w.exitCode !== null || w.signalCode !== null) return;
          w.kill('SIGTERM');
          const exited = new Promise((r) => w.once('exit', r));
          if (!(await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]))) w.kill('SIGKILL');
        }),
      );
      await client.end();
    },
  };
  return cluster;
}
