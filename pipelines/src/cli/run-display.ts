import type { RunEvent } from '../exec/in-process-executor.js';
import { formatMs } from '../exec/errors.js';

interface Row {
  status: string;
  started?: number;
  detail: string;
}

const SYMBOL: Record<string, string> = {
  pending: '·',
  running: '▶',
  succeeded: '✔',
  cached: '↺',
  failed: '✖',
  skipped: '-',
  retrying: '↻',
};

/**
 * Live progress on a TTY: one line per step (state, elapsed time, progress of long steps),
 * redrawn in place. Plain log lines otherwise, so logs and CI output stay greppable.
 */
export function createRunDisplay(stream: NodeJS.WriteStream, options: { tty: boolean; quiet: boolean }): (e: RunEvent) => void {
  if (options.quiet) return () => {};
  if (!options.tty) return (e) => stream.write(plainLine(e));
  const rows = new Map<string, Row>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    if (drawn) stream.write(`\x1b[${drawn}A`);
    const now = Date.now();
    const lines = [...rows].map(([id, r]) => {
      const elapsed = r.started ? formatMs(now - r.started) : '';
      return `\x1b[2K ${SYMBOL[r.status] ?? '?'} ${id.padEnd(24)} ${r.status.padEnd(10)} ${elapsed.padStart(7)}  ${r.detail}`.slice(
        0,
        (stream.columns ?? 120) + 8,
      );
    });
    stream.write(lines.join('\n') + '\n');
    drawn = lines.length;
  };
  return (e) => {
    switch (e.type) {
      case 'run-started':
        for (const s of e.steps) rows.set(s, { status: 'pending', detail: '' });
        stream.write(`run ${e.runId}${e.resumed ? ' (resumed)' : ''}\n`);
        timer = setInterval(draw, 200);
        break;
      case 'step-started':
        rows.set(e.stepId, {
          status: 'running',
          started: Date.now(),
          detail: e.partitions ? `0/${e.partitions} partitions` : e.attempt > 1 ? `attempt ${e.attempt}` : '',
        });
        break;
      case 'step-progress': {
        const r = rows.get(e.stepId);
        if (r)
          r.detail = e.total
            ? `${bar(e.done / e.total)} ${e.done}/${e.total}${e.message ? ` ${e.message}` : ''}`
            : `${e.done}${e.message ? ` ${e.message}` : ''}`;
        break;
      }
      case 'step-finished':
        rows.set(e.stepId, { status: e.cached ? 'cached' : 'succeeded', detail: e.cached ? e.reason : `${formatMs(e.durationMs)}` });
        break;
      case 'step-failed': {
        const r = rows.get(e.stepId);
        if (r) Object.assign(r, { status: e.retryInMs !== undefined ? 'retrying' : 'failed', detail: e.error.split('\n')[0] });
        break;
      }
      case 'step-skipped':
        rows.set(e.stepId, { status: 'skipped', detail: e.reason });
        break;
      case 'run-finished':
        clearInterval(timer);
        draw();
        stream.write(`run ${e.runId} ${e.status}${e.error ? `: ${e.error}` : ''}\n`);
        break;
      default:
        break;
    }
  };
}

function bar(fraction: number): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * 20);
  return `[${'#'.repeat(n)}${'.'.repeat(20 - n)}]`;
}

function plainLine(e: RunEvent): string {
  const ts = new Date().toISOString();
  switch (e.type) {
    case 'run-started':
      return `${ts} run ${e.runId} ${e.resumed ? 'resumed' : 'started'} (${e.steps.length} steps)\n`;
    case 'step-started':
      return `${ts} step ${e.stepId} started (attempt ${e.attempt}${e.partitions ? `, ${e.partitions} partitions` : ''})\n`;
    case 'step-progress':
      return e.total && e.done !== e.total && e.done % Math.max(1, Math.floor(e.total / 10)) !== 0
        ? ''
        : `${ts} step ${e.stepId} progress ${e.done}${e.total ? `/${e.total}` : ''}${e.message ? ` ${e.message}` : ''}\n`;
    case 'step-finished':
      return `${ts} step ${e.stepId} ${e.cached ? 'cached' : 'succeeded'} (${e.cached ? e.reason : formatMs(e.durationMs)})\n`;
    case 'step-failed':
      return `${ts} step ${e.stepId} attempt ${e.attempt} failed: ${e.error}${e.retryInMs !== undefined ? ` (retry in ${e.retryInMs}ms)` : ''}\n`;
    case 'step-skipped':
      return `${ts} step ${e.stepId} skipped: ${e.reason}\n`;
    case 'log':
      return e.level === 'debug' ? '' : `${ts} step ${e.stepId} ${e.level}: ${e.message}\n`;
    case 'run-finished':
      return `${ts} run ${e.runId} ${e.status}${e.error ? `: ${e.error}` : ''}\n`;
  }
}
