// Signatures bound to the deployment (EIP-712 domain version 2): a submission signed for one
// deployment's inbox is refused by another's intake with its reason; version-1 entries stay readable.
import { cp, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@datanet/pipelines/testing';
import { checkSignature, deploymentDomain, processInbox, readDeployment, signSubmission, submitFiles, writeEntry } from '../src/index.js';
import { medicalQa, qaJsonl, tempDir, wallet } from './fixtures.js';

const def = medicalQa();
const TERMS = { licence: 'CC-BY-4.0', consent: ['training', 'attribution'] };
const DAY = Date.UTC(2026, 10, 24, 12);

describe('EIP-712 domain bound to the deployment', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  }, 30_000);
  afterAll(async () => t?.close());
  const intake = (inbox: string) =>
    processInbox({ db: t.db, dialect: t.dialect, definition: def, inbox, now: () => DAY, runId: 'run-domain' });

  it('one identity per inbox, made once even when many ask at once', async () => {
    const inbox = join(await tempDir(), 'medical-qa');
    const all = await Promise.all(Array.from({ length: 20 }, () => deploymentDomain(inbox)));
    expect(new Set(all.map((d) => d.salt)).size).toBe(1);
    expect(all[0]).toEqual({ chainId: 31337, salt: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(await readDeployment(inbox)).toEqual(all[0]);
  });

  it("accepts what was signed for this inbox's deployment and refuses a copy delivered to another deployment", async () => {
    const here = join(await tempDir(), 'medical-qa');
    const there = join(await tempDir(), 'medical-qa');
    const s = await submitFiles({
      definition: def,
      inbox: here,
      signer: wallet('bound'),
      files: [{ name: 'a.jsonl', bytes: qaJsonl(2, 'bound') }],
      ...TERMS,
      timestamp: DAY,
    });
    expect(s.signed.format).toBe('datanet-submission/2');
    expect(checkSignature(s.signed, { deployment: await readDeployment(here) })).toEqual({ ok: true, signer: wallet('bound').address });
    // The same entry copied into another deployment's inbox, before its intake runs there.
    await deploymentDomain(there);
    await mkdir(there, { recursive: true });
    await cp(s.dir, join(there, s.entry), { recursive: true });
    const refused = await intake(there);
    expect(refused.accepted).toHaveLength(0);
    expect(refused.rejections.map((r) => r.reason_code)).toEqual(['wrong_deployment']);
    expect(refused.rejections[0].message).toMatch(/signed for deployment 0x[0-9a-f]{8}\.\.\. on chain 31337; this is deployment/);
    const accepted = await intake(here);
    expect(accepted.accepted).toHaveLength(2);
  });

  it('reads a version-1 entry (signed before the deployment binding) as before', async () => {
    const inbox = join(await tempDir(), 'medical-qa');
    const bytes = qaJsonl(1, 'legacy');
    const { createHash } = await import('node:crypto');
    const manifest = {
      datanet: def.id,
      contributor: wallet('legacy').address,
      nonce: '7',
      timestamp: DAY,
      files: [{ name: 'old.jsonl', size: bytes.length, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`, ...TERMS }],
    };
    const signed = await signSubmission(wallet('legacy'), manifest);
    expect(signed.format).toBe('datanet-submission/1');
    await mkdir(inbox, { recursive: true });
    await writeEntry(inbox, '1-legacy', signed, [{ name: 'old.jsonl', bytes }]);
    const r = await intake(inbox);
    expect(r.rejections).toEqual([]);
    expect(r.accepted).toHaveLength(1);
    // Over HTTP the same manifest is refused: it names no deployment.
    expect(checkSignature(signed, { deployment: await deploymentDomain(inbox), requireBound: true })).toMatchObject({
      ok: false,
      reasonCode: 'unbound_domain',
    });
    expect(JSON.parse(await readFile(join(inbox, '..', '.processed', 'medical-qa', '1-legacy', 'submission.json'), 'utf8')).format).toBe(
      'datanet-submission/1',
    );
  });
});
