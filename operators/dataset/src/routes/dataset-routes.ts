import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DATANET_ID, definitionLoader, refuseUnknownDatanets } from '@datanet/datanet';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { proveContribution, type DatasetManifest } from '../build/manifest.js';
import { listDatasetVersions, type DatasetVersion } from '../registry/dataset-versions.js';

const Refusal = z.object({ error: z.string(), message: z.string() });
const Params = z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id') });
const VersionParams = Params.extend({ version: z.coerce.number().int().min(1) });
const Version = z.object({
  datanet: z.string(),
  version: z.number(),
  parentVersion: z.number().nullable(),
  kind: z.string(),
  merkleRoot: z.string(),
  manifestDigest: z.string(),
  datasetDigest: z.string(),
  croissantDigest: z.string().nullable(),
  rowCount: z.number(),
  contributionCount: z.number(),
  createdRun: z.string().nullable(),
  createdAt: z.string(),
});

const view = (v: DatasetVersion): z.infer<typeof Version> => ({
  datanet: v.datanet,
  version: v.version,
  parentVersion: v.parentVersion,
  kind: v.kind,
  merkleRoot: v.merkleRoot,
  manifestDigest: v.manifestDigest,
  datasetDigest: v.datasetDigest,
  croissantDigest: v.croissantDigest,
  rowCount: v.rowCount,
  contributionCount: v.contributionCount,
  createdRun: v.createdRun,
  createdAt: new Date(v.createdAt).toISOString(),
});

/**
 * A Datanet's dataset versions, readable by anyone: each version's manifest (files, counts, Merkle
 * root), its Croissant metadata, and the inclusion proof of one contribution, which a contributor
 * checks against the root committed on-chain. A Datanet this server has no definition of is a 404.
 */
const register: RegisterRoutes = (app, ctx) => {
  refuseUnknownDatanets(app, definitionLoader(ctx.config.configRoot, app.log));
  const find = async (datanet: string, version: number) => (await listDatasetVersions(ctx.db, datanet)).find((v) => v.version === version);
  const missing = (datanet: string, version?: number) => ({
    error: 'unknown_dataset_version',
    message: version === undefined ? `no dataset versions of ${datanet}` : `no dataset version ${version} of ${datanet}`,
  });

  app.get(
    '/v1/datanets/:id/datasets',
    {
      config: { access: 'public' },
      schema: {
        tags: ['datasets'],
        summary: "A Datanet's dataset versions, oldest first",
        params: Params,
        response: { 200: z.object({ versions: z.array(Version) }), 404: Refusal },
      },
    },
    async (req) => ({ versions: (await listDatasetVersions(ctx.db, req.params.id)).map(view) }),
  );

  app.get(
    '/v1/datanets/:id/datasets/:version',
    {
      config: { access: 'public' },
      schema: {
        tags: ['datasets'],
        summary: 'One dataset version: its manifest (files, counts, Merkle root; not the contribution list) and its Croissant metadata',
        params: VersionParams,
        response: {
          200: Version.extend({ manifest: z.record(z.string(), z.unknown()), croissant: z.record(z.string(), z.unknown()).nullable() }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const v = await find(req.params.id, req.params.version);
      if (!v) return reply.code(404).send(missing(req.params.id, req.params.version));
      const stored = await readStoredJson<DatasetManifest>(v.manifestPath);
      if (!stored) return reply.code(404).send(artifactMissing(req.params.id, req.params.version));
      const { contributions: _list, ...manifest } = stored;
      const croissant = v.croissantPath ? ((await readStoredJson<Record<string, unknown>>(v.croissantPath)) ?? null) : null;
      return { ...view(v), manifest: manifest as unknown as Record<string, unknown>, croissant };
    },
  );

  app.get(
    '/v1/datanets/:id/datasets/:version/proofs/:contribution',
    {
      config: { access: 'public' },
      schema: {
        tags: ['datasets'],
        summary: "A contribution's inclusion proof in a dataset version (OpenZeppelin StandardMerkleTree leaf, proof and root)",
        params: VersionParams.extend({ contribution: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a contribution id (64 hex digits)') }),
        response: {
          200: z.object({
            contributionId: z.string(),
            contributor: z.string(),
            leafTypes: z.array(z.string()),
            leafValues: z.array(z.string()),
            leaf: z.string(),
            proof: z.array(z.string()),
            root: z.string(),
          }),
          404: Refusal,
        },
      },
    },
    async (req, reply) => {
      const v = await find(req.params.id, req.params.version);
      if (!v) return reply.code(404).send(missing(req.params.id, req.params.version));
      const manifest = await readStoredJson<DatasetManifest>(v.manifestPath);
      if (!manifest) return reply.code(404).send(artifactMissing(req.params.id, req.params.version));
      try {
        return proveContribution(manifest, req.params.contribution);
      } catch (e) {
        return reply.code(404).send({ error: 'not_in_dataset', message: (e as Error).message });
      }
    },
  );
};

export default register;

/** A stored JSON file of a version, or undefined when the state folder no longer holds it (pruned or moved). */
async function readStoredJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function artifactMissing(id: string, version: number | string) {
  return {
    error: 'artifact_missing',
    message: `the files of dataset version ${id}@${version} are no longer in this server's state folder; rebuild the version or restore the folder`,
  };
}
