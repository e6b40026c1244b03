// MedQuAD through the API alone, with a real `datanet serve`: the nine NIH sources submit over HTTP
// (`datanet submit --server`), the inbox trigger inside the server starts intake, and each
// submission's status shows accepted and rejected records with reasons; a contributor signs in
// (SIWE), submits a mixed submission whose good file survives its bad one, and reads their
// standing and quota.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatanetClient, signIn, submitFiles, type DatanetClient } from '@datanet/client';
import { SUBMISSION_TYPES, submissionDomain } from '@datanet/ingest';
import { datanet, REPO } from './cli.js';
import { startServe, type ServeProcess } from './serve-process.js';

const CORPUS = resolve(REPO, '../shared/corpora/medquad/medquad_sample_150_per_source.jsonl');
const present = existsSync(CORPUS);
if (!present && process.env.CI === 'true') throw new Error(`MedQuAD sample missing at ${CORPUS} (CI needs ../shared/corpora)`);

const steward = new Wallet(`0x${'7e'.repeat(32)}`);
let root: string;
let server: ServeProcess;
let api: DatanetClient;
let medquadContributor = '';

beforeAll(async () => {
  if (!present) return;
  root = mkdtempSync(join(tmpdir(), 'datanet-serve-medquad-'));
  mkdirSync(join(root, 'configs', 'pipelines'), { recursive: true });
  // The committed Datanet, its quality rule set and the inbox-triggered intake pipeline.
  cpSync(join(REPO, 'configs', 'datanets'), join(root, 'configs', 'datanets'), { recursive: true });
  cpSync(join(REPO, 'configs', 'quality'), join(root, 'configs', 'quality'), { recursive: true });
  cpSync(join(REPO, 'configs', 'pipelines', 'medical-qa-inbox.yaml'), join(root, 'configs', 'pipelines', 'medical-qa-inbox.yaml'));
  // A steward (seeded from the Datanet YAML) and a pipeline that builds a dataset version from what intake accepted.
  appendFileSync(join(root, 'configs', 'datanets', 'medical-qa.yaml'), `\nroles:\n  stewards: ["${steward.address}"]\n`);
  writeFileSync(
    join(root, 'configs', 'pipelines', 'medical-qa-dataset.yaml'),
    'apiVersion: datanet/v1\nkind: Pipeline\nmetadata: { name: medical-qa-dataset }\nparameters:\n  datanet: { type: string, default: medical-qa }\n' +
      'steps:\n  ingest:\n    uses: ingest.submissions\n    with: { datanet: medical-qa }\n' +
      '  dataset:\n    uses: dataset.build\n    needs: [ingest.accepted]\n    with: { datanet: medical-qa, kind: qa, license: CC-BY-4.0, title: MedQuAD over HTTP }\n',
  );
  server = await startServe({ stateDir: join(root, 'state'), cwd: root });
  api = createDatanetClient({ baseUrl: server.url, cookieJar: true });
}, 300_000);
afterAll(async () => {
  await server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function decided(id: string, ms = 600_000) {
  const until = Date.now() + ms;
  for (;;) {
    const r = await api.GET('/v1/submissions/{id}', { params: { path: { id } } });
    if (r.data?.status === 'decided') return r.data;
    if (Date.now() > until) throw new Error(`submission ${id} not decided after ${ms} ms:\n${server.output().slice(-3000)}`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

describe.skipIf(!present)('MedQuAD through the API of a real server', () => {
  it('nine sources submit over HTTP; the inbox trigger runs intake; statuses carry accepted and rejected records with reasons', async () => {
    const out = await datanet(join(root, 'cli-state'), [
      'submit',
      '--server',
      server.url,
      '--from-medquad',
      CORPUS,
      '--limit-per-source',
      '30',
    ]);
    const subs = out.submissions as { source: string; contributor: string; submissionId: string; records: number; written: boolean }[];
    expect(new Set(subs.map((s) => s.source)).size).toBe(9);
    expect(subs.every((s) => s.written)).toBe(true);
    let accepted = 0;
    let rejected = 0;
    for (const s of subs) {
      const status = await decided(s.submissionId);
      expect(status.files.length).toBeGreaterThan(0);
      accepted += status.accepted;
      rejected += status.rejections.length;
      for (const r of status.rejections) {
        expect(r.reasonCode).toMatch(/^[a-z_]+$/);
        expect(r.message.length).toBeGreaterThan(10);
        if (r.reasonCode === 'duplicate_record') expect(r.duplicateOf).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    expect(accepted).toBeGreaterThan(200);
    // The sample repeats some question/answer pairs across and within sources: intake refuses the later copies.
    expect(accepted + rejected).toBe(subs.reduce((n, s) => n + s.records, 0));

    const who = subs[0].contributor;
    medquadContributor = who;
    const me = await api.GET('/v1/contributors/{address}', { params: { path: { address: who }, query: { datanet: 'medical-qa' } } });
    const d = me.data!.datanets[0];
    expect(d.acceptedFiles).toBeGreaterThan(0);
    expect(d.acceptanceRate).toBeGreaterThan(0);
    expect(d.standing).toBeGreaterThan(0);
    expect(d.standingHistory.length).toBeGreaterThan(0);
    expect(d.quota.bytesUsed).toBeGreaterThan(0);
    expect(d.quota.bytesLeft).toBe(10 * 1024 * 1024 - d.quota.bytesUsed);
    expect(Date.parse(d.quota.resetsAt)).toBeGreaterThan(Date.now());
    expect(me.data!.contributions.total).toBeGreaterThan(0);
  });

  it('a signed-in contributor sends good and bad files in one submission: the good file is kept, the bad one rejected with its reason', async () => {
    const wallet = new Wallet(`0x${randomBytes(32).toString('hex')}`);
    const session = await signIn(api, wallet);
    expect(session.address).toBe(wallet.address.toLowerCase());
    expect((await api.GET('/auth/me')).data).toMatchObject({ kind: 'session', address: wallet.address.toLowerCase() });

    const good = Buffer.from(
      `${JSON.stringify({ question: 'What is a made-up test condition called Zyloritis?', answer: 'Zyloritis is a fictional condition used only to test a Datanet service. It has no symptoms, no causes and no treatment, and it appears in no medical source anywhere.' })}\n`,
    );
    const bad = Buffer.from([0x61, 0x62, 0xff, 0xfe, 0x0a]);
    const files = [
      { name: 'good.jsonl', data: new Uint8Array(good) },
      { name: 'bad.txt', data: new Uint8Array(bad) },
    ];
    const preflight = new FormData();
    for (const f of files) preflight.append('file', new Blob([f.data]), f.name);
    type Preflight = { decision: string; files: { reasonCode: string | null }[] };
    const pf = (await (await api.rawFetch('/v1/datanets/medical-qa/preflight', { method: 'POST', body: preflight })).json()) as Preflight;
    expect(pf.decision).toBe('partial');
    expect(pf.files.map((f) => f.reasonCode)).toEqual([null, 'invalid_utf8']);

    const { data } = await api.GET('/v1/datanets/{id}/signing-domain', { params: { path: { id: 'medical-qa' } } });
    const domain = { chainId: data!.domain.chainId, salt: data!.domain.salt };
    const manifest = {
      datanet: 'medical-qa',
      contributor: wallet.address,
      nonce: BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
      timestamp: Date.now(),
      files: files.map((f) => ({
        name: f.name,
        size: f.data.length,
        sha256: `0x${createHash('sha256').update(f.data).digest('hex')}`,
        licence: 'CC-BY-4.0',
        consent: ['training', 'attribution'],
      })),
    };
    const signature = await wallet.signTypedData(submissionDomain(domain), SUBMISSION_TYPES, manifest);
    const sent = await submitFiles(api, 'medical-qa', { format: 'datanet-submission/2', domain, manifest, signature }, files);
    expect(sent.status).toBe(202);
    const status = await decided(String(sent.body.submissionId));
    expect(status.accepted).toBe(1);
    expect(status.files.map((f) => [f.name, f.status, f.reasonCode])).toEqual([
      ['bad.txt', 'rejected', 'invalid_utf8'],
      ['good.jsonl', 'accepted', null],
    ]);
    const me = await api.GET('/v1/contributors/{address}', {
      params: { path: { address: wallet.address }, query: { datanet: 'medical-qa' } },
    });
    expect(me.data!.datanets[0]).toMatchObject({ acceptedFiles: 1, rejectedFiles: 1, acceptanceRate: 0.5 });
  });

  it('a steward launches a dataset build over the API; the version, its Croissant and a contribution proof are served; the proof verifies', async () => {
    const staff = createDatanetClient({ baseUrl: server.url, cookieJar: true });
    await signIn(staff, steward);
    const launched = await staff.POST('/api/runs', { body: { pipeline: 'medical-qa-dataset', params: { datanet: 'medical-qa' } } });
    expect(launched.response.status).toBe(202);
    const runId = launched.data!.runId;
    for (const until = Date.now() + 600_000; ;) {
      const run = await staff.GET('/api/runs/{id}', { params: { path: { id: runId } } });
      const status = run.data?.run.status;
      if (status === 'succeeded') break;
      if (status === 'failed' || Date.now() > until) throw new Error(`run ${runId} ${status}:\n${server.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const versions = (await api.GET('/v1/datanets/{id}/datasets', { params: { path: { id: 'medical-qa' } } })).data!.versions;
    expect(versions).toHaveLength(1);
    const v = (await api.GET('/v1/datanets/{id}/datasets/{version}', { params: { path: { id: 'medical-qa', version: 1 } } })).data!;
    expect(v.manifest).toMatchObject({ datanet: 'medical-qa' });
    expect(v.croissant).not.toBeNull();
    // No adapter was trained here: the list is served, empty.
    expect((await api.GET('/v1/models')).data).toEqual({ models: [] });
    const source = (
      await api.GET('/v1/contributors/{address}', {
        params: { path: { address: medquadContributor }, query: { datanet: 'medical-qa', pageSize: 1 } },
      })
    ).data!;
    const id = source.contributions.items[0].id;
    const proof = (
      await api.GET('/v1/datanets/{id}/datasets/{version}/proofs/{contribution}', {
        params: { path: { id: 'medical-qa', version: 1, contribution: id } },
      })
    ).data!;
    expect(proof.root).toBe(v.merkleRoot);
    expect(StandardMerkleTree.verify(proof.root, proof.leafTypes, proof.leafValues, proof.proof)).toBe(true);
    const absent = await api.GET('/v1/datanets/{id}/datasets/{version}/proofs/{contribution}', {
      params: { path: { id: 'medical-qa', version: 1, contribution: 'ab'.repeat(32) } },
    });
    expect(absent.response.status).toBe(404);
  });
});
