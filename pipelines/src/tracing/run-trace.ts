// OpenTelemetry traces of a run, exported over OTLP/HTTP (Jaeger, Tempo, Honeycomb, any collector):
// one span for the run, a child span per step attempt (its worker, attempt, outcome), and under a
// foreach step's attempt a span per partition attempt. Built from the run store when the run
// ends, with the recorded start and end times, so every executor gives the same trace.
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RunStore } from '../store/run-store.js';

export interface TracingSettings {
  /** OTLP/HTTP endpoint base (a collector: http://host:4318); spans go to `<otlpUrl>/v1/traces`. */
  otlpUrl: string;
  serviceName?: string;
  /** Environment variable holding extra headers for the endpoint, `k=v,k2=v2` (an API key). */
  headersEnv?: string;
}

/** A foreach step with more partitions than this gets this many partition spans and a count. */
const MAX_PARTITION_SPANS = 1000;

function headersFrom(env: string | undefined): Record<string, string> {
  if (!env) return {};
  const raw = process.env[env];
  if (!raw) throw new Error(`tracing.headersEnv names ${env}, which is not set`);
  return Object.fromEntries(raw.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]));
}

/** Exports the run's trace; resolves to its trace id once the collector has accepted it. */
export async function exportRunTrace(store: RunStore, runId: string, settings: TracingSettings): Promise<string> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} is not in the run store`);
  const attempts = await store.getAttempts(runId);
  const url = new URL('v1/traces', settings.otlpUrl.endsWith('/') ? settings.otlpUrl : `${settings.otlpUrl}/`).href;
  const exporter = new OTLPTraceExporter({ url, headers: headersFrom(settings.headersEnv) });
  let exportError: unknown;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName ?? 'datanet', 'service.version': '0.1.0' }),
    spanProcessors: [
      new SimpleSpanProcessor({
        export: (spans, done) => exporter.export(spans, (r) => ((exportError ??= r.error), done(r))),
        shutdown: () => exporter.shutdown(),
        forceFlush: () => exporter.forceFlush(),
      }),
    ],
  });
  const tracer = provider.getTracer('datanet', '0.1.0');
  const start = run.started_at ?? run.created_at;
  const root = tracer.startSpan(`run ${run.pipeline}`, {
    startTime: start,
    attributes: {
      'datanet.run_id': run.id,
      'datanet.pipeline': run.pipeline,
      'datanet.executor': run.executor,
      'datanet.status': run.status,
    },
  });
  const rootCtx = trace.setSpan(context.active(), root);
  const whole = attempts.filter((a) => !a.partition);
  const parts = attempts.filter((a) => a.partition);
  for (const a of whole) {
    const span = tracer.startSpan(
      `step ${a.step_id}`,
      {
        startTime: a.started_at,
        attributes: {
          'datanet.step': a.step_id,
          'datanet.attempt': a.attempt,
          'datanet.worker': a.worker ?? '',
          'datanet.status': a.status,
        },
      },
      rootCtx,
    );
    if (a.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: a.error ?? 'failed' });
    // A foreach step's partitions hang under its last attempt (the one that fanned out).
    const isLast = !whole.some((b) => b.step_id === a.step_id && b.attempt > a.attempt);
    const mine = isLast ? parts.filter((p) => p.step_id === a.step_id) : [];
    if (mine.length) {
      span.setAttribute('datanet.partitions', new Set(mine.map((p) => p.partition)).size);
      const ctx = trace.setSpan(rootCtx, span);
      for (const p of mine.slice(0, MAX_PARTITION_SPANS)) {
        const ps = tracer.startSpan(
          `partition ${a.step_id}[${p.partition}]`,
          {
            startTime: p.started_at,
            attributes: {
              'datanet.step': a.step_id,
              'datanet.partition': p.partition,
              'datanet.attempt': p.attempt,
              'datanet.worker': p.worker ?? '',
              'datanet.status': p.status,
            },
          },
          ctx,
        );
        if (p.status === 'failed') ps.setStatus({ code: SpanStatusCode.ERROR, message: p.error ?? 'failed' });
        ps.end(p.finished_at ?? p.started_at);
      }
    }
    span.end(a.finished_at ?? a.started_at);
  }
  if (run.status === 'failed') root.setStatus({ code: SpanStatusCode.ERROR, message: run.error ?? 'failed' });
  root.end(run.finished_at ?? Date.now());
  await provider.forceFlush();
  await provider.shutdown();
  if (exportError) throw new Error(`OTLP endpoint ${url}: ${exportError instanceof Error ? exportError.message : String(exportError)}`);
  return root.spanContext().traceId;
}
