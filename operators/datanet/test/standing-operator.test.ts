import { describe, expect, it } from 'vitest';
import { openTestDb, runOperator } from '@datanet/pipelines/testing';
import { datanetStanding, openRegistry, recordContributions, revokeContribution, type ContributionRecord } from '../src/index.js';

const NOW = Date.UTC(2026, 10, 24, 10);
const record = (id: string, contributor: string, i: number): ContributionRecord => ({
  id,
  datanet: 'medical-qa',
  contributor,
  submissionId: `s-${contributor}`,
  sourceFile: 'f.jsonl',
  recordIndex: i,
  licence: 'CC-BY-4.0',
  consent: 'training',
  submittedAt: NOW,
  validatorVersion: 'v1',
  runId: 'r1',
});

describe('datanet.standing', () => {
  it("outputs each contributor's standing from the registry, lowered by a revocation", async () => {
    const t = await openTestDb('pglite');
    try {
      await openRegistry(t.db, 'pglite');
      await recordContributions(t.db, [record('a1', '0xA', 0), record('a2', '0xA', 1), record('b1', '0xB', 0), record('b2', '0xB', 1)], {
        now: NOW,
      });
      await revokeContribution(t.db, { datanet: 'medical-qa', id: 'b2', reason: 'upheld dispute', now: NOW + 1 });
      const { outputs } = await runOperator(datanetStanding, { config: { datanet: 'medical-qa' }, db: t.db, dialect: 'pglite' });
      const table = outputs.standing.table!;
      const rows = Object.fromEntries(
        (table.getChild('contributor')!.toArray() as string[]).map((c, i) => [
          c,
          { standing: table.getChild('standing')!.get(i) as number, revoked: table.getChild('revoked')!.get(i) as number },
        ]),
      );
      expect(rows['0xA'].revoked).toBe(0);
      expect(rows['0xB'].revoked).toBe(1);
      expect(rows['0xB'].standing).toBeLessThan(rows['0xA'].standing);
      expect(rows['0xA'].standing).toBeGreaterThan(0);
      expect(rows['0xA'].standing).toBeLessThan(1);
    } finally {
      await t.close();
    }
  });
});
