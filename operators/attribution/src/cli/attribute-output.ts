import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSpanIndex } from '../index-build/build-index.js';
import { datasetRows } from '../operators/dataset-rows.js';
import { attributeText, type ContributionScore, type SpanOptions } from '../spans/attribute-spans.js';
import { SpanIndex } from '../spans/span-index.js';

/**
 * Evidence for one output text against an index folder (attribution.index output) or a dataset
 * Parquet file (indexed on the fly into a temporary folder).
 */
export async function attributeOutput(
  source: string,
  text: string,
  options: Partial<SpanOptions> = {},
): Promise<{ index: string; words: number; scores: ContributionScore[] }> {
  if (!existsSync(source))
    throw new Error(`${source} does not exist: give an index folder (attribution.index output) or a dataset .parquet file`);
  if (statSync(source).isDirectory()) {
    const index = SpanIndex.open(source);
    return { index: source, words: index.words, scores: attributeText(index, text, options) };
  }
  if (!source.endsWith('.parquet')) throw new Error(`${source}: expected an index folder or a .parquet dataset file`);
  const { readParquetAsArrow } = await import('@datanet/connector-duckdb');
  const table = await readParquetAsArrow(source);
  const tmp = mkdtempSync(join(tmpdir(), 'datanet-attribute-'));
  try {
    buildSpanIndex(datasetRows(table, source), { outDir: tmp });
    const index = SpanIndex.open(tmp);
    return { index: source, words: index.words, scores: attributeText(index, text, options) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatEvidence(scores: ContributionScore[], top = 5): string {
  if (!scores.length) return 'no span of the output occurs in the dataset';
  const lines: string[] = [];
  for (const s of scores.slice(0, top)) {
    lines.push(`${(s.score * 100).toFixed(1).padStart(5)}%  ${s.contributionId}  (${s.contributor})`);
    for (const e of s.evidence.slice(0, 3))
      lines.push(`         "${e.text}"  [${e.length} tokens, ${e.count} occurrence${e.count === 1 ? '' : 's'}]`);
  }
  if (scores.length > top) lines.push(`  ... and ${scores.length - top} more contributions`);
  return lines.join('\n');
}
