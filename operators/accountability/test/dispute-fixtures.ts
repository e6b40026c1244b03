import { recordContributions, type DatanetDefinition } from '@datanet/datanet';
import type { TestDb } from '@datanet/pipelines/testing';
import { openDispute } from '../src/index.js';

/** `n` contributions of `owner` in `datanet` accepted at `now`, `<prefix>-0` ... `<prefix>-(n-1)`. */
export const recordOwn = (t: Pick<TestDb, 'db'>, datanet: string, prefix: string, n: number, owner: string, now = Date.now()) =>
  recordContributions(
    t.db,
    Array.from({ length: n }, (_, j) => ({
      id: `${prefix}-${j}`,
      datanet,
      contributor: owner,
      submissionId: 's',
      sourceFile: 'f.jsonl',
      recordIndex: j,
      licence: 'CC-BY-4.0',
      consent: 'train',
      submittedAt: 1,
      validatorVersion: 't',
    })),
    { now },
  );

/** `filer` disputes a contribution of `def` as a steward (reason incorrect) at `at`. */
export const fileAsSteward = async (t: TestDb, def: DatanetDefinition, contributionId: string, filer: string, at = Date.now()) =>
  (
    await openDispute(t.db, {
      datanet: def.id,
      contributionId,
      filer,
      role: 'steward',
      reason: 'incorrect',
      evidence: 'the dosage stated contradicts the cited label',
      policy: def.disputes,
      now: at,
    })
  ).dispute;
