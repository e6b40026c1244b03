import { defineOperator } from '@datanet/pipelines';
import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { z } from 'zod';
import { attributeText, DEFAULT_SPAN_OPTIONS } from '../spans/attribute-spans.js';
import { SpanIndex } from '../spans/span-index.js';

export const spansConfig = z.object({
  minTokens: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(DEFAULT_SPAN_OPTIONS.minTokens)
    .describe('shortest evidence span, in words-v1 tokens'),
  maxOccurrences: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_SPAN_OPTIONS.maxOccurrences)
    .describe('occurrences of a span examined to credit contributions'),
  maxEvidence: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_SPAN_OPTIONS.maxEvidence)
    .describe('evidence spans kept per (inference, contribution)'),
  outputColumn: z.string().default('output').describe('column of the inferences table holding the generated text'),
});

export const ATTRIBUTION_COLUMNS = {
  inference_id: 'utf8',
  contribution_id: 'utf8',
  contributor: 'utf8',
  score: 'float64',
  evidence: 'utf8',
} as const;

export interface AttributionRow {
  inferenceId: string;
  contributionId: string;
  contributor: string;
  score: number;
  evidence: string;
}

export function attributionTable(rows: AttributionRow[]): Table {
  return new Table({
    inference_id: vectorFromArray(
      rows.map((r) => r.inferenceId),
      new Utf8(),
    ),
    contribution_id: vectorFromArray(
      rows.map((r) => r.contributionId),
      new Utf8(),
    ),
    contributor: vectorFromArray(
      rows.map((r) => r.contributor),
      new Utf8(),
    ),
    score: vectorFromArray(
      rows.map((r) => r.score),
      new Float64(),
    ),
    evidence: vectorFromArray(
      rows.map((r) => r.evidence),
      new Utf8(),
    ),
  });
}

export const attributionSpans = defineOperator({
  type: 'attribution.spans',
  version: '1',
  description:
    'Attributes each inference output to the contributions whose text it reproduces: maximal matching spans (>= minTokens) found in the span index, weighted by length x ln(1 + N/count), split among the contributions holding them, normalised per inference.',
  config: spansConfig,
  inputs: {
    index: { kind: 'index', description: 'attribution.index output' },
    inferences: {
      kind: 'table',
      description: 'the inference log: inference_id and the generated text',
      schema: (c) => ({ columns: { inference_id: 'utf8', [c.outputColumn]: 'utf8' }, open: true }),
    },
  },
  outputs: {
    attributions: {
      kind: 'table',
      description: 'one row per (inference, contribution) with evidence; scores sum to 1 per attributed inference',
      schema: { columns: ATTRIBUTION_COLUMNS, open: false },
    },
  },
  resources: { pool: 'cpu' },
  async run(ctx) {
    const c = ctx.config;
    const index = SpanIndex.open(ctx.input('index').path);
    const inferences = await ctx.input('inferences').readTable();
    const ids = inferences.getChild('inference_id')!;
    const outputs = inferences.getChild(c.outputColumn)!;
    const rows: AttributionRow[] = [];
    let attributed = 0;
    for (let i = 0; i < inferences.numRows; i++) {
      ctx.signal.throwIfAborted();
      const scores = attributeText(index, String(outputs.get(i) ?? ''), c);
      if (scores.length) attributed++;
      for (const s of scores) {
        rows.push({
          inferenceId: String(ids.get(i)),
          contributionId: s.contributionId,
          contributor: s.contributor,
          score: s.score,
          evidence: JSON.stringify(s.evidence),
        });
      }
      if (i % 100 === 0) ctx.progress(i, inferences.numRows);
    }
    ctx.logger.info(
      `${attributed} of ${inferences.numRows} inferences have evidence spans of >= ${c.minTokens} tokens; ${rows.length} attribution rows`,
    );
    await ctx.output('attributions').writeTable(attributionTable(rows), { inferences: inferences.numRows, attributed });
  },
});
