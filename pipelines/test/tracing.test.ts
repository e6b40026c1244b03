// A run's OpenTelemetry trace, received by a local OTLP/HTTP endpoint as a collector would.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, tempDir, writePipeline } from './helpers.js';

const exec = promisify(execFile);
let server: Server | undefined;
afterAll(() => server?.close());

const attr = (span: any, key: string) => {
  const v = span.attributes.find((a: any) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

describe('OpenTelemetry traces', () => {
  it('a run exports one trace: the run span, a span per step attempt and per partition, failures as errors', async () => {
    const bodies: any[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push({ type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const dir = tempDir();
    const profile = join(dir, 'profile.yaml');
    writeFileSync(
      profile,
      `apiVersion: datanet/v1\nkind: Profile\nmetadata: { name: traced }\ntracing: { otlpUrl: "http://127.0.0.1:${(server.address() as { port: number }).port}", serviceName: datanet-test }\n`,
    );
    const pipeline = writePipeline(
      dir,
      `steps:\n  a:\n    uses: test.emit\n    with: { rows: 4, groups: 2 }\n  b:\n    uses: test.upper\n    needs: [a]\n    foreach: { input: table, by: grp }\n  c:\n    uses: test.flaky\n    needs: [b]\n    retries: 1\n    with: { failTimes: 5, counterFile: ${JSON.stringify(join(dir, 'count'))} }\n`,
    );
    const run = await exec('node', [BIN, '--state-dir', join(dir, 'state'), '--json', 'run', pipeline, '--profile', profile, '-q']).catch(
      (e) => e,
    );
    const summary = JSON.parse(run.stdout);
    expect(summary.status).toBe('failed');
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies[0].type).toMatch(/application\/json/);
    const resource = bodies[0].body.resourceSpans[0].resource;
    expect(resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue).toBe('datanet-test');
    const spans = bodies.flatMap((b) => b.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)));
    expect(spans.map((s: any) => s.name).sort()).toEqual(
      ['partition b[g0]', 'partition b[g1]', 'run test', 'step a', 'step b', 'step c', 'step c'].sort(),
    );
    expect(new Set(spans.map((s: any) => s.traceId)).size).toBe(1);
    const root = spans.find((s: any) => s.name === 'run test');
    expect(root.parentSpanId ?? '').toBe('');
    expect(attr(root, 'datanet.run_id')).toBe(summary.runId);
    expect(root.status.code).toBe(2); // ERROR
    const stepB = spans.find((s: any) => s.name === 'step b');
    for (const s of spans.filter((s: any) => s.name.startsWith('step '))) expect(s.parentSpanId).toBe(root.spanId);
    for (const s of spans.filter((s: any) => s.name.startsWith('partition '))) expect(s.parentSpanId).toBe(stepB.spanId);
    expect(attr(stepB, 'datanet.partitions')).toBe(2);
    // Both attempts of c, each failed, each with its error.
    const c = spans
      .filter((s: any) => s.name === 'step c')
      .sort((x: any, y: any) => attr(x, 'datanet.attempt') - attr(y, 'datanet.attempt'));
    expect(c.map((s: any) => [attr(s, 'datanet.attempt'), s.status.code])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(c[0].status.message).toMatch(/planned failure 1/);
    // Spans carry the recorded times: a step never starts before the run.
    for (const s of spans) expect(BigInt(s.startTimeUnixNano) >= BigInt(root.startTimeUnixNano)).toBe(true);
  }, 120_000);
});
