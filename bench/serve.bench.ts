// `npm run bench -- serve`: signed 1-file 4 KB submissions through a real `datanet serve` (EIP-712
// check, deployment domain, atomic daily-limit reservation, streamed hashing, inbox entry), on
// PGlite and on PostgreSQL, driven by autocannon in a second process at 50 connections; beside the
// same run's ceiling of EIP-712 verification alone (one core, ethers), and status reads.
// Targets (issue 13): submissions/s >= 0.5x that ceiling, p99 < 100 ms; status reads >= 5,000/s.
// SERVE_BENCH_SUBMISSIONS (default 3000) sets the uploads per store.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Wallet, verifyTypedData } from 'ethers';
import pg from 'pg';
import { SUBMISSION_TYPES, submissionDomain, submissionId } from '../operators/ingest/src/index.js';

const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'pipelines/bin/datanet.mjs');
const N = Number(process.env.SERVE_BENCH_SUBMISSIONS ?? 3000);
const CONNECTIONS = 50;
const CONTRIBUTORS = 50;

interface Signed {
  body: Buffer;
  manifest: Record<string, unknown>;
  signature: string;
}

export async function run() {
  const wallets = Array.from(
    { length: CONTRIBUTORS },
    (_, i) => new Wallet(`0x${createHash('sha256').update(`serve-bench-${i}`).digest('hex')}`),
  );
  const results: Record<string, unknown> = { loadBefore: loadavg(), submissions: N, connections: CONNECTIONS };
  for (const store of ['pglite', 'postgres'] as const) {
    const root = mkdtempSync(join(tmpdir(), `datanet-serve-bench-${store}-`));
    try {
      mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
      // Daily limits far above the load, so every upload is accounted and admitted.
      writeFileSync(
        join(root, 'configs', 'datanets', 'bench.yaml'),
        'apiVersion: datanet/v1\nkind: Datanet\nid: bench\ndomain: benchmarks\nformats: [txt]\nlicences: [CC-BY-4.0]\nconsent: { required: [training] }\n' +
          'limits: { dailyBytesPerContributor: 1000000000000, filesPerSubmission: 20, resetTimezone: UTC }\n',
      );
      const env: Record<string, string> = { ...(process.env as Record<string, string>), DATANET_LOG_LEVEL: 'warn' };
      if (store === 'postgres') env.DATABASE_URL = await freshSchema();
      else delete env.DATABASE_URL;
      const server = await startServer(root, env);
      try {
        const domainRes = (await (await fetch(`${server.url}/v1/datanets/bench/signing-domain`)).json()) as {
          domain: { chainId: number; salt: string };
        };
        const domain = { chainId: domainRes.domain.chainId, salt: domainRes.domain.salt };
        const boundary = `----datanetbench${randomBytes(6).toString('hex')}`;
        const t0 = performance.now();
        const signed: Signed[] = [];
        for (let i = 0; i < N; i++) signed.push(await signOne(wallets[i % CONTRIBUTORS], domain, boundary, i));
        const signSeconds = (performance.now() - t0) / 1000;
        // The ceiling: EIP-712 verification alone, on one core, over the same manifests.
        const v0 = performance.now();
        const cpu0 = process.cpuUsage();
        let verified = 0;
        while (performance.now() - v0 < 3000) {
          const s = signed[verified % signed.length];
          verifyTypedData(submissionDomain(domain), SUBMISSION_TYPES, s.manifest, s.signature);
          verified++;
        }
        const ceiling = verified / ((performance.now() - v0) / 1000);
        const verifyCpu = process.cpuUsage(cpu0);
        const load = await drive(server.url, root, {
          connections: CONNECTIONS,
          uploads: {
            path: '/v1/datanets/bench/submissions',
            contentType: `multipart/form-data; boundary=${boundary}`,
            bodies: signed.map((s) => s.body.toString('base64')),
          },
        });
        // A status read of one of the submissions just received (its receipt, files and records).
        const id = submissionId({
          format: 'datanet-submission/2',
          domain,
          manifest: signed[0].manifest as never,
          signature: signed[0].signature,
        });
        const status = await drive(server.url, root, { connections: CONNECTIONS, get: { path: `/v1/submissions/${id}`, seconds: 8 } });
        results[store] = {
          signSeconds: +signSeconds.toFixed(1),
          verifyCeilingPerSecond: Math.round(ceiling),
          verifyCpuMsPerCheck: +((verifyCpu.user + verifyCpu.system) / 1000 / verified).toFixed(3),
          submissions: load,
          ratioToCeiling: +((load.perSecond as number) / ceiling).toFixed(2),
          submissionTargets: { ratioAtLeast: 0.5, p99BelowMs: 100 },
          statusReads: status,
          statusTarget: { perSecondAtLeast: 5000 },
          serverErrors: server.errors(),
        };
        console.log(`  ${store}: ${JSON.stringify(results[store])}`);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  results.loadAfter = loadavg();
  return results;
}

async function signOne(w: Wallet, domain: { chainId: number; salt: string }, boundary: string, i: number): Promise<Signed> {
  const bytes = Buffer.from(`${i} `.padEnd(4096, 'a'));
  const manifest = {
    datanet: 'bench',
    contributor: w.address,
    nonce: BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
    timestamp: Date.now(),
    files: [
      {
        name: `f${i}.txt`,
        size: bytes.length,
        sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`,
        licence: 'CC-BY-4.0',
        consent: ['training'],
      },
    ],
  };
  const signature = await w.signTypedData(submissionDomain(domain), SUBMISSION_TYPES, manifest);
  const json = JSON.stringify({ format: 'datanet-submission/2', domain, manifest, signature });
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n${json}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f${i}.txt"\r\nContent-Type: text/plain\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, manifest, signature };
}

function drive(url: string, root: string, plan: unknown): Promise<Record<string, unknown>> {
  const file = join(root, `plan-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return new Promise((done, fail) => {
    const child = spawn('node', [join(REPO, 'pipelines/bin/run-ts.mjs'), join(REPO, 'bench/fixtures/serve-load.ts'), url, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`load generator exited ${code}`))));
  });
}

async function startServer(root: string, env: Record<string, string>) {
  const child = spawn(
    'node',
    [
      BIN,
      '--state-dir',
      join(root, 'state'),
      'serve',
      '--port',
      '0',
      '--no-scheduler',
      '--rate-limit',
      '10000000',
      '--submission-rate-limit',
      '10000000',
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((done, fail) => {
    const t = setInterval(() => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearInterval(t);
        done(m[1]);
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(t);
      fail(new Error(`datanet serve exited ${code}: ${out.slice(-2000)}`));
    });
  });
  return {
    url,
    /** The server's error lines (pino level 50+), to explain any 5xx in the results. */
    errors: () =>
      out
        .split('\n')
        .filter((l) => /"level":(5|6)\d/.test(l))
        .slice(0, 5),
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function freshSchema(): Promise<string> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `serve_bench_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
  return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}
