// The README's service examples, run as written (bash, `npx datanet`, curl on 127.0.0.1:8080), on a
// fresh state folder (DATANET_STATE_DIR), checking what each command answers.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './cli.js';

function readmeBlock(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('```bash\n# Tokens first');
  expect(start, 'README "Service" example block').toBeGreaterThan(0);
  return readme.slice(start + '```bash\n'.length, readme.indexOf('```', start + 8));
}

describe('README service examples', () => {
  it('run as written and answer what they say', async () => {
    const state = mkdtempSync(join(tmpdir(), 'datanet-readme-'));
    try {
      const script = `set -e\n${readmeBlock()}\nwait\n`;
      const out = await new Promise<{ code: number | null; text: string }>((done) => {
        const child = spawn('bash', ['-c', script], {
          cwd: REPO,
          env: { ...process.env, DATANET_STATE_DIR: state, DATANET_LOG_LEVEL: 'warn' },
        });
        let text = '';
        child.stdout.on('data', (d) => (text += d));
        child.stderr.on('data', (d) => (text += d));
        child.once('exit', (code) => done({ code, text }));
      });
      expect(out.code, out.text.slice(-3000)).toBe(0);
      for (const answer of [
        '{"ok":true}',
        '"id":"medical-qa"',
        '"version":"2"',
        '"decision":"accepted"',
        '"standingHistory":[]',
        '{"versions":[]}',
        '{"models":[]}',
        '{"runs":[',
        '{"runId":"',
        'submitted 1 file(s) to medical-qa',
      ])
        expect(out.text, answer).toContain(answer);
      expect(out.text).not.toMatch(/"error":"(unauthenticated|forbidden|internal)/);
      // `kill %1` stops the server, not only the npx in front of it: nothing is left on the port.
      let gone = false;
      for (let i = 0; i < 20 && !gone; i++) {
        gone = await fetch('http://127.0.0.1:8080/healthz').then(
          () => false,
          () => true,
        );
        if (!gone) await new Promise((r) => setTimeout(r, 500));
      }
      expect(gone, 'a server is still answering on 8080 after the example ended').toBe(true);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
