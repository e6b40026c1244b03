// A stand-in intake for the report's end-to-end test: it emits the fixture's accepted and
// rejections tables and records the same decisions in the registry, as ingest.submissions would.
// Everything downstream of it in report-e2e.yaml is the real dedupe and quality operators.
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { fixtureTables, seedRegistry } from '../fixtures.js';

export const fixtureIntake = defineOperator({
  type: 'fixture.intake',
  version: '1',
  description: 'test intake: the report fixture as accepted and rejections tables, recorded in the registry',
  config: z.object({}).strict(),
  outputs: { accepted: { kind: 'table' }, rejections: { kind: 'table' } },
  async run(ctx) {
    await seedRegistry(ctx.db, ctx.dbDialect);
    const t = fixtureTables();
    await ctx.output('accepted').writeTable(t.accepted);
    await ctx.output('rejections').writeTable(t.rejections);
  },
});
