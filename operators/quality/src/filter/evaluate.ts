import { fails, type QualityRule } from './rules.js';
import type { ActiveRule } from './rule-set.js';
import { TextStats } from './text-stats.js';

export interface QualityEvaluation {
  rules: ActiveRule[];
  /** values[k][i]: rule k's measurement of record i. */
  values: Float64Array[];
  /** Index of the first failing rule of record i (catalogue order), or -1. */
  firstFailure: Int32Array;
  /** Names of every failing rule of record i. */
  failed: string[][];
}

/** Measures every active rule on every text; a record is rejected by its first failing rule. */
export function evaluateQuality(
  texts: (string | undefined)[],
  rules: ActiveRule[],
  onProgress?: (done: number) => void,
): QualityEvaluation {
  const values = rules.map(() => new Float64Array(texts.length));
  const firstFailure = new Int32Array(texts.length).fill(-1);
  const failed: string[][] = [];
  texts.forEach((text, i) => {
    const stats = new TextStats(text ?? '');
    const mine: string[] = [];
    rules.forEach(({ rule, threshold }, k) => {
      const v = rule.measure(stats);
      values[k][i] = v;
      if (fails(rule, v, threshold)) {
        if (firstFailure[i] < 0) firstFailure[i] = k;
        mine.push(rule.name);
      }
    });
    failed.push(mine);
    if (onProgress && (i & 1023) === 1023) onProgress(i + 1);
  });
  return { rules, values, firstFailure, failed };
}

/** A human reason, e.g. "12 words (gopher.min_words needs at least 50)". */
export function describeFailure(rule: QualityRule, value: number, threshold: number): string {
  const v = Number.isInteger(value) ? String(value) : value.toFixed(3);
  const need = rule.bound === 'min' ? (rule.inclusive ? 'more than' : 'at least') : rule.inclusive ? 'less than' : 'at most';
  return `${rule.description}: ${v} (${rule.name} needs ${need} ${threshold})`;
}
