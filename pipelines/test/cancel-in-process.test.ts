// `datanet cancel` on an in-process run executing in another process (real processes, PostgreSQL):
// refused while that process lives (it would go on executing and overwrite the status), told by its
// pid on this host and by its heartbeat from another; allowed once the process is dead (the
// clean-up after a crash), saying so.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { BIN, freshPostgresUrl, tempDir, writePipeline } from './helpers.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env: { ...process.env, DATABASE_URL: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('datanet cancel, in-process run of another process', () => {
  it('refused while its process lives; once it is killed, cancelled and said so', async () => {
    const dir = tempDir();
    const url = await freshPostgresUrl();
    const marker = join(dir, 'started');
    const file = writePipeline(dir, `steps:\n  a:\n    uses: test.sleep\n    with: { ms: 3600000, marker: ${marker} }\n`);
    const holder = spawn('node', [BIN, '--state-dir', join(dir, 'run'), '--database-url', url, 'run', file, '-q'], {
      stdio: 'ignore',
      env: { ...process.env, DATABASE_URL: '' },
    });
    const exited = new Promise((r) => holder.on('exit', r));
    const schema = /search_path%3D(\w+)/.exec(url)?.[1] ?? /search_path=(\w+)/.exec(decodeURIComponent(url))?.[1];
    const db = new pg.Client({ connectionString: url.replace(/[?&]options=.*$/, '') });
    await db.connect();
    await db.query(`set search_path to ${schema}`);
    const cancel = () => cli(['--state-dir', join(dir, 'cancel'), '--database-url', url, 'cancel', runId]);
    const status = async () => (await db.query(`select status from runs where id = $1`, [runId])).rows[0].status as string;
    // Renames the process its run.started event names (how the run looks from another host).
    const named = (worker: string) =>
      db.query(`update events set fields = jsonb_set(fields, '{worker}', to_jsonb($2::text)) where run_id = $1 and type = 'run.started'`, [
        runId,
        worker,
      ]);
    let runId = '';
    try {
      while (!existsSync(marker)) await sleep(50);
      runId = (await db.query(`select id from runs`)).rows[0].id;
      // Its run.started event names the process (buffered for up to 100 ms after the start).
      while (!(await db.query(`select 1 from events where run_id = $1 and type = 'run.started'`, [runId])).rowCount) await sleep(50);

      const refused = await cancel();
      expect(refused.code, refused.stdout).toBe(1);
      expect(refused.stderr).toContain(`run ${runId} is still executing (process ${holder.pid} is running on this host`);
      expect(refused.stderr).toContain(`kill -INT ${holder.pid}`);
      expect(await status()).toBe('running');

      // Seen as from another host, the run's heartbeat (fresh: the process writes it) is what says it lives.
      await named(`elsewhere.invalid:${holder.pid}`);
      const remote = await cancel();
      expect(remote.code, remote.stdout).toBe(1);
      expect(remote.stderr).toMatch(
        new RegExp(`still executing \\(process elsewhere\\.invalid:${holder.pid}: last heartbeat \\d+ s ago\\)`),
      );
      expect(await status()).toBe('running');
    } finally {
      holder.kill('SIGKILL');
      await exited;
    }
    try {
      // On this host again: its pid is gone, so the run is cancelled (the clean-up after a crash).
      await named(`${hostname()}:${holder.pid}`);
      const gone = await cancel();
      expect(gone.code, gone.stderr).toBe(0);
      expect(gone.stdout).toContain(
        `run ${runId} cancelled: the process executing it is gone (process ${holder.pid} no longer exists on this host`,
      );
      expect(await status()).toBe('cancelled');
      const last = (await db.query(`select type, message from events where run_id = $1 order by id desc limit 1`, [runId])).rows[0];
      expect(last).toEqual({ type: 'run.finished', message: `run cancelled: run cancelled; resume it with \`datanet resume ${runId}\`` });
    } finally {
      await db.end();
    }
  }, 600_000);
});
