import type { RunSummary } from '../exec/in-process-executor.js';
import { formatMs } from '../exec/errors.js';
import type { EventRow, RunRow, StepRow } from '../store/run-store.js';

const out = (s: string) => process.stdout.write(`${s}\n`);

export function printRunSummary(s: RunSummary): void {
  out(`run ${s.runId} (${s.pipeline}) ${s.status} in ${formatMs(s.durationMs)}`);
  const width = Math.max(4, ...s.steps.map((x) => x.id.length));
  for (const step of s.steps) {
    const how = step.cached ? 'cached' : step.status;
    const outs = Object.entries(step.outputs)
      .map(([k, v]) => `${k}=${v.digest.slice(7, 19)}${v.rows !== undefined ? `(${v.rows} rows)` : ''}`)
      .join(' ');
    out(
      `  ${step.id.padEnd(width)}  ${how.padEnd(9)} attempts=${step.attempts} ${step.durationMs !== null ? formatMs(step.durationMs).padStart(7) : '      -'}  ${step.partitions ? `${step.partitions} partitions  ` : ''}${outs}${step.error && step.status !== 'succeeded' ? `  error: ${step.error.split('\n')[0]}` : ''}${step.status === 'waiting' && step.reason ? `  ${step.reason}` : ''}`,
    );
  }
  const summarized = s.steps.filter((x) => x.summary?.length);
  if (summarized.length) {
    out('summary:');
    for (const step of summarized) for (const line of step.summary!) out(`  ${step.id}: ${line}`);
  }
  if (s.status !== 'succeeded' && s.status !== 'waiting') out(`resume with: datanet resume ${s.runId}`);
}

export function printRunDetail(
  run: RunRow,
  steps: StepRow[],
  attempts: {
    step_id: string;
    partition: string;
    attempt: number;
    status: string;
    worker: string | null;
    error: string | null;
    started_at: number;
    finished_at: number | null;
  }[],
  events: EventRow[],
): void {
  out(`run ${run.id}`);
  out(`  pipeline  ${run.pipeline} (${run.file})`);
  out(`  status    ${run.status}${run.error ? `: ${run.error}` : ''}`);
  out(`  executor  ${run.executor}`);
  out(
    `  created   ${new Date(run.created_at).toISOString()}${run.finished_at ? `, finished ${new Date(run.finished_at).toISOString()}` : ''}`,
  );
  out(`  params    ${JSON.stringify(run.params)}`);
  out('steps:');
  const partitions = new Map<string, number>();
  for (const s of steps) if (s.partition) partitions.set(s.step_id, (partitions.get(s.step_id) ?? 0) + 1);
  for (const s of steps.filter((x) => !x.partition)) {
    out(
      `  ${s.step_id}: ${s.cached ? 'cached' : s.status}${s.reason ? ` (${s.reason})` : ''}, attempts ${s.attempts}${s.duration_ms !== null ? `, ${formatMs(s.duration_ms)}` : ''}${partitions.has(s.step_id) ? `, ${partitions.get(s.step_id)} partitions` : ''}`,
    );
    for (const [name, ref] of Object.entries(s.outputs ?? {})) {
      out(`      ${name}: ${ref.kind} ${ref.digest}${ref.meta?.rows !== undefined ? ` (${ref.meta.rows} rows)` : ''}`);
      for (const line of Array.isArray(ref.meta?.summary) ? (ref.meta.summary as string[]) : []) out(`        ${line}`);
    }
    for (const a of attempts.filter((x) => x.step_id === s.step_id && !x.partition)) {
      out(
        `      attempt ${a.attempt}: ${a.status} on ${a.worker ?? '?'}${a.finished_at ? ` (${formatMs(a.finished_at - a.started_at)})` : ''}${a.error ? ` — ${a.error.split('\n')[0]}` : ''}`,
      );
    }
    if (s.error && s.status !== 'succeeded') out(`      error: ${s.error}`);
  }
  if (events.length) {
    out('events:');
    for (const e of events) out(`  ${new Date(e.ts).toISOString()} ${e.level.padEnd(5)} ${e.step_id ?? '-'} ${e.message}`);
  }
}
