// The review step in a real run (the `datanet` CLI as separate processes): it parks the run, and
// once its deadline passes a resume applies the Datanet's deadline policy and the run completes.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../../pipelines/bin/datanet.mjs');
const A = '0x' + 'a'.repeat(40);
const B = '0x' + 'b'.repeat(40);

async function datanet(state: string, args: string[]): Promise<any> {
  const { stdout } = await exec('node', [BIN, '--state-dir', state, '--json', ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

// The two policies run at once, each in its own folder: most of each is the 25 s wait.
describe('a review step whose deadline passes', () => {
  it.concurrent.each(['accept', 'reject'] as const)(
    'onDeadline: %s parks the run, then settles what nobody decided by the policy and completes',
    async (policy) => {
      const root = mkdtempSync(join(tmpdir(), 'review-deadline-'));
      roots.push(root);
      mkdirSync(join(root, 'configs', 'datanets'), { recursive: true });
      mkdirSync(join(root, 'configs', 'pipelines'), { recursive: true });
      writeFileSync(
        join(root, 'configs', 'datanets', 'tiny.yaml'),
        `apiVersion: datanet/v1
kind: Datanet
id: tiny
domain: testing
formats: [txt]
licences: [CC0-1.0]
review:
  hold: { firstRecords: 1 }
  decision: { deadline: 25s, onDeadline: ${policy} }
`,
      );
      writeFileSync(
        join(root, 'records.jsonl'),
        [
          { id: 'a1', contributor: A, receipt_seq: 1, text: 'first of a' },
          { id: 'a2', contributor: A, receipt_seq: 2, text: 'second of a' },
          { id: 'b1', contributor: B, receipt_seq: 3, text: 'first of b' },
        ]
          .map((r) => JSON.stringify(r))
          .join('\n'),
      );
      writeFileSync(
        join(root, 'configs', 'pipelines', 'tiny.yaml'),
        `apiVersion: datanet/v1
kind: Pipeline
metadata: { name: tiny-review }
steps:
  read:
    uses: table.read
    with: { path: ../../records.jsonl }
  review:
    uses: review.queue
    needs: [read.table]
    with: { datanet: ../datanets/tiny.yaml }
`,
      );
      const state = join(root, 'state');
      const run = await datanet(state, ['run', join(root, 'configs', 'pipelines', 'tiny.yaml'), '-q']);
      // The deadline (25 s) runs from when the step first parked, before `run` returned.
      const parkedBy = Date.now();
      expect(run.status).toBe('waiting');
      // Before the deadline, a resume leaves the step parked.
      const early = await datanet(state, ['resume', run.runId, '-q']);
      if (Date.now() < parkedBy + 25_000) expect(early.status).toBe('waiting');
      await new Promise((r) => setTimeout(r, Math.max(0, parkedBy + 25_500 - Date.now())));
      const done = await datanet(state, ['resume', run.runId, '-q']);
      expect(done.status).toBe('succeeded');

      const accepted = await datanet(state, ['inspect', run.runId, 'review', '--output', 'accepted', '-n', '10']);
      const rejections = await datanet(state, ['inspect', run.runId, 'review', '--output', 'rejections', '-n', '10']);
      const decisions = await datanet(state, ['inspect', run.runId, 'review', '--output', 'decisions', '-n', '10']);
      const ids = (t: { rows: { id: string }[] }) => t.rows.map((r) => r.id).sort();
      // a1 and b1 (each contributor's first record) were held; a2 went through unheld.
      if (policy === 'accept') {
        expect(ids(accepted)).toEqual(['a1', 'a2', 'b1']);
        expect(rejections.numRows).toBe(0);
      } else {
        expect(ids(accepted)).toEqual(['a2']);
        expect(ids(rejections)).toEqual(['a1', 'b1']);
        expect(new Set(rejections.rows.map((r: { reason_code: string }) => r.reason_code))).toEqual(new Set(['review.deadline']));
      }
      expect(decisions.rows.map((d: { reviewer: string; role: string }) => `${d.reviewer}/${d.role}`)).toEqual([
        'system:deadline/system',
        'system:deadline/system',
      ]);
    },
  );
});
