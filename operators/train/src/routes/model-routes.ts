import { z } from 'zod';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { getModel, listModels, type ModelRecord } from '../registry/model-registry.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const Model = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number(),
  adapterDigest: z.string(),
  backend: z.string(),
  method: z.string(),
  baseModel: z.string(),
  baseModelDigest: z.string(),
  specHash: z.string(),
  lineage: z.object({
    datasetVersion: z.string().nullable(),
    datasetRoot: z.string().nullable(),
    datasetDigest: z.string().nullable(),
    run: z.string().nullable(),
  }),
  metrics: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

const view = (m: ModelRecord): z.infer<typeof Model> => ({
  id: m.id,
  name: m.name,
  version: m.version,
  adapterDigest: m.adapterDigest,
  backend: m.backend,
  method: m.method,
  baseModel: m.baseModel,
  baseModelDigest: m.baseModelDigest,
  specHash: m.specHash,
  // What the adapter was trained from: the dataset version (and its Merkle root) and the run.
  lineage: { datasetVersion: m.datasetVersion, datasetRoot: m.datasetRoot, datasetDigest: m.datasetDigest, run: m.createdRun },
  metrics: m.metrics,
  createdAt: new Date(m.createdAt).toISOString(),
});

/** Trained adapters with their lineage (base model, dataset version and root, run) and eval metrics; public. */
const register: RegisterRoutes = (app, ctx) => {
  app.get(
    '/v1/models',
    {
      config: { access: 'public' },
      schema: {
        tags: ['models'],
        summary: 'Adapters with their lineage, newest last',
        response: { 200: z.object({ models: z.array(Model) }) },
      },
    },
    async () => ({ models: (await listModels(ctx.db)).map(view) }),
  );
  app.get(
    '/v1/models/:model',
    {
      config: { access: 'public' },
      schema: {
        tags: ['models'],
        summary: 'One adapter with its lineage',
        params: z.object({ model: z.string().min(1).max(200) }),
        response: { 200: Model, 404: Refusal },
      },
    },
    async (req, reply) => {
      const m = await getModel(ctx.db, req.params.model);
      return m ? view(m) : reply.code(404).send({ error: 'unknown_model', message: `no model ${req.params.model}` });
    },
  );
};

export default register;
