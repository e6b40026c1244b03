import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { z } from 'zod';
import { defineOperator } from '@datanet/pipelines';
import { resolveDatanetPath, loadDatanetDefinition } from '../definition/load-datanet.js';
import { openRegistry } from '../registry/open-registry.js';
import { contributorStats } from '../registry/standing.js';

/** The registry's view of a Datanet's contributors, as a table for settlement and reports. */
export const datanetStanding = defineOperator({
  type: 'datanet.standing',
  version: '1',
  description: "Each contributor's acceptance rate and standing in a Datanet, read from the registry",
  config: z.object({ datanet: z.string().min(1).describe('Datanet definition path or id') }).strict(),
  inputs: { after: { kind: 'table', optional: true, description: 'any table: orders this step after the intake that fills the registry' } },
  outputs: {
    standing: {
      kind: 'table',
      schema: {
        columns: { contributor: 'utf8', standing: 'float64', acceptance_rate: 'float64', contributions: 'int32', revoked: 'int32' },
        open: false,
      },
    },
  },
  // The registry changes without any input changing (revocations): always read it afresh.
  cacheable: false,
  async run(ctx) {
    const definition = loadDatanetDefinition(resolveDatanetPath(ctx.config.datanet, ctx.run.pipelineDir));
    await openRegistry(ctx.db, ctx.dbDialect);
    const stats = await contributorStats(ctx.db, definition.id, definition.standing);
    await ctx.output('standing').writeTable(
      new Table({
        contributor: vectorFromArray(
          stats.map((s) => s.contributor),
          new Utf8(),
        ),
        standing: vectorFromArray(
          stats.map((s) => s.standing),
          new Float64(),
        ),
        acceptance_rate: vectorFromArray(
          stats.map((s) => s.acceptanceRate),
          new Float64(),
        ),
        contributions: vectorFromArray(
          stats.map((s) => s.contributions),
          new Int32(),
        ),
        revoked: vectorFromArray(
          stats.map((s) => s.revoked),
          new Int32(),
        ),
      }),
      {
        summary: [
          `${stats.length} contributors; mean standing ${(stats.reduce((n, s) => n + s.standing, 0) / Math.max(1, stats.length)).toFixed(3)}`,
        ],
      },
    );
  },
});
