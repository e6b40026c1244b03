import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../auth/access.js';
import { DEPLOYMENT_SCOPE, roleAtLeast, type RoleStore } from '../auth/roles.js';
import { LaunchError, PIPELINE_NAME, type RunLauncher } from '../runs/run-launcher.js';
import { UnknownCursorError } from '../../read/run-reader.js';
import { datanetOf, type RunReader } from '../runs/run-reader.js';
import { streamRunEvents } from './run-events-stream.js';
import type { ZodApp } from '../server-context.js';
import { RUN_STATUSES } from '../../store/statuses.js';

const Refusal = z.object({ error: z.string(), message: z.string(), diagnostics: z.array(z.string()).optional() });
const RunId = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a run id') });
const STATUS = RUN_STATUSES;
const RunItem = z.object({
  id: z.string(),
  pipeline: z.string(),
  status: z.string(),
  datanet: z.string().nullable(),
  executor: z.string(),
  error: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
});
const Event = z.object({
  id: z.number(),
  stepId: z.string().nullable(),
  ts: z.number(),
  level: z.string(),
  type: z.string(),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()).nullable(),
});

/**
 * Staff routes over the engine's runs. A run belongs to the Datanet its parameters name, else to
 * the deployment ('*'); staff of one Datanet see and act on that Datanet's runs only.
 */
export function runsRoutes(app: ZodApp, reader: RunReader, launcher: RunLauncher, roles: RoleStore, isClosing: () => boolean): void {
  // The scope of a run is only known once it is read: look it up (a missing run is checked by the
  // handler, under the deployment scope so nobody learns which ids exist).
  const runScope = async (req: FastifyRequest) => {
    const id = (req.params as { id?: string }).id ?? '';
    const run = id.length <= 100 ? await reader.get(id) : undefined;
    return (run && datanetOf(run)) ?? DEPLOYMENT_SCOPE;
  };
  // The raw query value (a repeated parameter is an array): access checks it is one Datanet id.
  const listScope = (req: FastifyRequest) => (req.query as { datanet?: unknown }).datanet ?? DEPLOYMENT_SCOPE;

  app.get(
    '/api/runs',
    {
      config: { access: { role: 'reviewer', scope: listScope, scopeFrom: 'querystring datanet' } },
      schema: {
        tags: ['runs'],
        summary: 'Runs, newest first, filtered (pipeline, status, Datanet, created time)',
        querystring: z.object({
          pipeline: z.string().max(100).optional(),
          status: z.enum(STATUS).optional(),
          datanet: z.string().max(100).optional(),
          since: z.coerce.number().int().min(0).optional().describe('created at or after (ms since the epoch)'),
          until: z.coerce.number().int().min(0).optional().describe('created before (ms since the epoch)'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z.string().max(100).optional().describe('page: runs created before this run id'),
        }),
        // (400 unknown_cursor is answered too; not declared, so the committed OpenAPI document stands.)
        response: { 200: z.object({ runs: z.array(RunItem) }) },
      },
    },
    async (req) => {
      try {
        // Without `datanet` the scope is the deployment: its own runs, as GET /api/runs/{id} allows.
        return { runs: await reader.list({ ...req.query, datanet: req.query.datanet ?? null }) };
      } catch (e) {
        // The error handler answers 400 { error: 'unknown_cursor', message }.
        if (e instanceof UnknownCursorError) throw Object.assign(new Error(e.message), { statusCode: 400, code: 'UNKNOWN_CURSOR' });
        throw e;
      }
    },
  );

  app.get(
    '/api/runs/:id',
    {
      config: { access: { role: 'reviewer', scope: runScope } },
      schema: {
        tags: ['runs'],
        summary: 'A run with its steps, attempts, events and logs',
        params: RunId,
        response: {
          200: z.object({
            run: RunItem.extend({ file: z.string(), params: z.record(z.string(), z.unknown()) }),
            steps: z.array(z.record(z.string(), z.unknown())),
            attempts: z.array(z.record(z.string(), z.unknown())),
            events: z.array(Event),
            logs: z.array(Event),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const detail = await reader.detail(req.params.id);
      if (!detail) return reply.code(404).send({ error: 'unknown_run', message: `no run ${req.params.id}` });
      return detail as never;
    },
  );

  app.get(
    '/api/runs/:id/events',
    {
      config: { access: { role: 'reviewer', scope: runScope } },
      schema: {
        tags: ['runs'],
        summary: 'Live run events (Server-Sent Events; resumes after Last-Event-ID)',
        params: RunId,
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const run = await reader.get(req.params.id);
      if (!run) return reply.code(404).send({ error: 'unknown_run', message: `no run ${req.params.id}` });
      const last = Number(req.headers['last-event-id'] ?? 0);
      await streamRunEvents(req, reply, reader, run.id, Number.isSafeInteger(last) && last > 0 ? last : 0, isClosing, (fn) =>
        launcher.watch(run.id, fn),
      );
      return reply;
    },
  );

  app.post(
    '/api/runs',
    {
      config: {
        access: {
          role: 'steward',
          scopeFrom: 'body params.datanet',
          scope: (req) => {
            // Access runs before the body schema: only a string names a Datanet; anything else asks for the deployment.
            const datanet = (req.body as { params?: Record<string, unknown> } | undefined)?.params?.datanet;
            return typeof datanet === 'string' ? datanet : DEPLOYMENT_SCOPE;
          },
        },
      },
      schema: {
        tags: ['runs'],
        summary: 'Launch a pipeline from configs/pipelines by name; parameters validated as `datanet validate` does',
        body: z.object({
          pipeline: z.string().regex(PIPELINE_NAME, 'a pipeline name under configs/pipelines'),
          params: z.record(z.string(), z.string().max(10_000)).default({}),
        }),
        response: { 202: z.object({ runId: z.string() }), 400: Refusal, 404: Refusal },
      },
    },
    async (req, reply) => {
      try {
        const deploymentSteward = await holdsOnDeployment(req.principal, 'steward', roles);
        return reply.code(202).send(await launcher.launch(req.body.pipeline, req.body.params, { deploymentSteward }));
      } catch (e) {
        return launchRefusal(e, reply as never);
      }
    },
  );

  app.post(
    '/api/runs/:id/cancel',
    {
      config: { access: { role: 'steward', scope: runScope } },
      schema: {
        tags: ['runs'],
        summary: 'Cancel a run executing on this server, a waiting run or a distributed run (it stays resumable)',
        params: RunId,
        response: { 202: z.object({ cancelling: z.literal(true) }), 409: Refusal },
      },
    },
    async (req, reply) => {
      const outcome = await launcher.cancel(req.params.id);
      if (outcome === 'over')
        return reply.code(409).send({ error: 'not_running', message: `run ${req.params.id} has ended; nothing to cancel` });
      if (outcome === 'elsewhere')
        return reply.code(409).send({ error: 'not_running_here', message: `run ${req.params.id} is not executing on this server` });
      return reply.code(202).send({ cancelling: true as const });
    },
  );

  app.post(
    '/api/runs/:id/resume',
    {
      config: { access: { role: 'steward', scope: runScope } },
      schema: {
        tags: ['runs'],
        summary: 'Resume a failed or cancelled run: finished steps are kept',
        params: RunId,
        response: { 202: z.object({ runId: z.string() }), 400: Refusal, 404: Refusal, 409: Refusal },
      },
    },
    async (req, reply) => {
      try {
        await launcher.resume(req.params.id);
        return reply.code(202).send({ runId: req.params.id });
      } catch (e) {
        return launchRefusal(e, reply as never);
      }
    },
  );

  app.post(
    '/api/runs/:id/steps/:step/retry',
    {
      config: { access: { role: 'steward', scope: runScope } },
      schema: {
        tags: ['runs'],
        summary: 'Retry a failed step of a run (and the steps after it); finished steps are kept',
        params: RunId.extend({ step: z.string().min(1).max(200) }),
        response: { 202: z.object({ runId: z.string(), step: z.string() }), 400: Refusal, 404: Refusal, 409: Refusal },
      },
    },
    async (req, reply) => {
      try {
        await launcher.retryStep(req.params.id, req.params.step);
        return reply.code(202).send({ runId: req.params.id, step: req.params.step });
      } catch (e) {
        return launchRefusal(e, reply as never);
      }
    },
  );
}

/** Whether the caller holds a role (or a stronger one) on the deployment scope ('*'). */
async function holdsOnDeployment(p: Principal | undefined, role: 'steward', roles: RoleStore): Promise<boolean> {
  if (!p) return false;
  if (p.kind === 'token') return p.scope === DEPLOYMENT_SCOPE && roleAtLeast(p.role, role);
  return roleAtLeast(await roles.roleOf(DEPLOYMENT_SCOPE, p.address), role);
}

function launchRefusal(e: unknown, reply: { code(n: number): { send(b: unknown): unknown } }): never {
  if (!(e instanceof LaunchError)) throw e;
  return reply.code(e.status).send({
    error: e.code,
    message: e.diagnostics.length ? `${e.message}:\n${e.diagnostics.join('\n')}` : e.message,
    diagnostics: e.diagnostics,
  }) as never;
}
