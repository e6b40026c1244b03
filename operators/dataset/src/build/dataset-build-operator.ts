import { defineOperator, type TableSchemaSpec } from '@datanet/pipelines';
import { z } from 'zod';
import { emitCroissant } from '../croissant/emit-croissant.js';
import { recordDatasetVersion, setVersionCroissant } from '../registry/dataset-versions.js';
import { buildDatasetFiles, closeIdleBuildDatabases, type BuiltDataset } from './build-dataset.js';
import { excludeRevoked } from './exclude-revoked.js';

export const datasetBuildConfig = z.object({
  datanet: z.string().min(1).describe('Datanet id; versions are named DATANET@N'),
  kind: z.enum(['qa', 'text']).default('qa').describe('qa: prompt/response from question/answer; text: text'),
  evalFraction: z.number().min(0).lt(1).default(0.1).describe('share of contributions in the eval split'),
  salt: z.string().default('datanet-split-v1').describe('salt of the split hash; changing it reshuffles the split'),
  leafEncoding: z
    .enum(['auto', 'address', 'string'])
    .default('auto')
    .describe('Merkle leaf: (bytes32, address) or (bytes32, string); auto picks address when every contributor is one'),
  rowGroupSize: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('rows per Parquet row group; default an eighth of the rows, in whole 2048-row vectors, 2048 to 100000'),
  license: z.string().default('https://creativecommons.org/licenses/by/4.0/'),
  title: z.string().optional(),
  description: z.string().optional(),
  url: z.string().optional(),
  creator: z.object({ name: z.string(), url: z.string().optional() }).optional(),
  citeAs: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  rai: z
    .object({
      dataCollection: z.string().optional(),
      dataCollectionType: z.string().optional(),
      personalSensitiveInformation: z.string().optional(),
      dataUseCases: z.string().optional(),
      dataLimitations: z.string().optional(),
    })
    .optional(),
  provenanceLimit: z.number().int().nonnegative().default(20_000),
});

export type DatasetBuildConfig = z.output<typeof datasetBuildConfig>;

const datasetSchema = (c: DatasetBuildConfig): TableSchemaSpec => ({
  columns: {
    ...(c.kind === 'qa' ? { prompt: 'utf8', response: 'utf8' } : { text: 'utf8' }),
    contribution_id: 'utf8',
    contributor: 'utf8',
    split: 'utf8',
  },
  open: false,
});

export const datasetBuild = defineOperator({
  type: 'dataset.build',
  version: '1',
  description:
    'Accepted contributions -> a versioned dataset: zstd Parquet with a deterministic train/eval split, a manifest with an OpenZeppelin Merkle root, and Croissant metadata; recorded in the registry as DATANET@N.',
  config: datasetBuildConfig,
  inputs: {
    contributions: {
      kind: 'table',
      description: 'accepted contributions: id (sha256 content hash), contributor, question/answer (qa) or text',
      schema: { columns: { id: 'utf8', contributor: 'utf8' }, open: true },
    },
  },
  outputs: {
    dataset: { kind: 'table', description: 'training rows, sorted by contribution_id', schema: datasetSchema },
    manifest: { kind: 'file', description: 'contribution ids, file digests, Merkle root (JSON)' },
    croissant: { kind: 'file', description: 'Croissant 1.1 JSON-LD metadata of the version' },
  },
  resources: { pool: 'cpu' },
  async run(ctx) {
    const c = ctx.config;
    ctx.progress(0, 4, 'building Parquet');
    // Contributions revoked since they were accepted stay out of every version built from now on.
    const { path: contributionsPath, excluded } = await excludeRevoked(ctx.db, c.datanet, ctx.input('contributions').path, ctx.workDir);
    if (excluded.length)
      ctx.logger.info(`left out ${excluded.length} revoked contribution(s)`, { excluded: excluded.map((e) => `${e.id}: ${e.reason}`) });
    // The step's build is its only one: its DuckDB database is closed now rather than after its
    // idle second, so that the pipeline's next step (a trainer's spawn) never forks beside it.
    let built: BuiltDataset;
    try {
      built = await buildDatasetFiles({
        datanet: c.datanet,
        kind: c.kind,
        contributionsPath,
        outDir: ctx.workDir,
        evalFraction: c.evalFraction,
        salt: c.salt,
        leafEncoding: c.leafEncoding,
        rowGroupSize: c.rowGroupSize,
        onPhase: (phase, ms) => ctx.logger.debug(`dataset.build ${phase}`, { ms: Math.round(ms) }),
      });
    } finally {
      await closeIdleBuildDatabases();
    }
    ctx.signal.throwIfAborted();
    const { manifest } = built;
    ctx.progress(1, 4, 'writing artifacts');
    const datasetRef = await ctx.output('dataset').writeParquetFile(built.parquetPath, {
      rows: manifest.counts.rows,
      merkleRoot: manifest.merkle.root,
    });
    // `excluded` only when something was left out: other manifests (and their digests) are unchanged.
    const manifestRef = await ctx.output('manifest').writeJson(excluded.length ? { ...manifest, excluded } : manifest, {
      merkleRoot: manifest.merkle.root,
      summary: [`${manifest.counts.rows} rows; Merkle root ${manifest.merkle.root}`],
    });
    ctx.progress(2, 4, 'recording version');
    const { version, reused } = await recordDatasetVersion(ctx.db, {
      datanet: c.datanet,
      kind: c.kind,
      merkleRoot: manifest.merkle.root,
      leafEncoding: manifest.merkle.leafEncoding.join(','),
      manifestDigest: manifestRef.digest,
      rowCount: manifest.counts.rows,
      contributionCount: manifest.counts.contributions,
      datasetDigest: datasetRef.digest,
      datasetPath: datasetRef.path,
      manifestPath: manifestRef.path,
      createdRun: ctx.run.runId,
    });
    ctx.progress(3, 4, 'writing Croissant');
    const croissant = emitCroissant(
      manifest,
      {
        version: version.version,
        parentVersion: version.parentVersion,
        createdAt: version.createdAt,
        manifestSha256: manifestRef.digest.replace(/^sha256:/, ''),
        runId: version.createdRun ?? undefined,
      },
      { ...c, rai: c.rai },
    );
    const croissantRef = await ctx.output('croissant').writeJson(croissant, {
      contentType: 'application/ld+json',
      version: `${c.datanet}@${version.version}`,
    });
    await setVersionCroissant(ctx.db, c.datanet, version.version, { digest: croissantRef.digest, path: croissantRef.path });
    ctx.logger.info(`${reused ? 'reused' : 'recorded'} dataset ${c.datanet}@${version.version}`, {
      version: version.version,
      parent: version.parentVersion,
      rows: manifest.counts.rows,
      contributions: manifest.counts.contributions,
      root: manifest.merkle.root,
      reused,
    });
    ctx.progress(4, 4);
  },
});
