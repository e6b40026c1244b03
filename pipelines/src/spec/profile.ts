import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from './diagnostic.js';
import { interpolate, readSecret } from './interpolate.js';
import { configIssues } from './operator-config.js';
import { YamlSource } from './yaml-source.js';

export const ProfileSchema = z
  .object({
    $schema: z.string().optional(),
    apiVersion: z.literal('datanet/v1'),
    kind: z.literal('Profile'),
    metadata: z.object({ name: z.string(), description: z.string().optional() }).strict(),
    executor: z.enum(['in-process', 'distributed']).default('in-process'),
    stateDir: z.string().optional().describe('local state folder; default .datanet in the working folder'),
    database: z.object({ url: z.string().optional() }).strict().optional(),
    redis: z.object({ url: z.string() }).strict().optional(),
    artifacts: z.object({ path: z.string() }).strict().optional().describe('a store all workers can reach'),
    concurrency: z.number().int().positive().optional(),
    plugins: z.array(z.string()).optional(),
    resources: z.record(z.string(), z.unknown()).optional().describe('connectors handed to operators as ctx.resources'),
    lineage: z
      .object({
        namespace: z.string().min(1).optional().describe('job namespace (default datanet)'),
        url: z
          .string()
          .url()
          .optional()
          .describe('OpenLineage HTTP endpoint (Marquez: http://host:5000); events go to <url>/api/v1/lineage'),
        apiKeyEnv: z.string().min(1).optional().describe('environment variable holding a bearer token for url'),
        file: z.string().min(1).optional().describe('append events to this file, one JSON document per line'),
      })
      .strict()
      .optional()
      .describe('OpenLineage run events sent after each run (datanet lineage RUN exports them for any run)'),
    tracing: z
      .object({
        otlpUrl: z.string().url().describe('OTLP/HTTP endpoint (a collector: http://host:4318); spans go to <otlpUrl>/v1/traces'),
        serviceName: z.string().min(1).optional().describe('service.name of the spans (default datanet)'),
        headersEnv: z.string().min(1).optional().describe('environment variable holding extra headers, k=v,k2=v2 (an API key)'),
      })
      .strict()
      .optional()
      .describe('OpenTelemetry trace of each run (run, step attempts, partitions) exported when it ends'),
  })
  .strict();

export type Profile = z.output<typeof ProfileSchema> & { file?: string };

export const DEFAULT_PROFILE: Profile = { apiVersion: 'datanet/v1', kind: 'Profile', metadata: { name: 'local' }, executor: 'in-process' };

/** Finds `configs/profiles/NAME.yaml` from the given folders upward, or takes a path. */
export function findProfile(nameOrPath: string, from: string[]): string | undefined {
  if (nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml') || nameOrPath.includes('/')) {
    for (const base of from) {
      const p = isAbsolute(nameOrPath) ? nameOrPath : resolve(base, nameOrPath);
      if (existsSync(p)) return p;
    }
    return undefined;
  }
  for (const start of from) {
    let dir = resolve(start);
    for (;;) {
      const p = join(dir, 'configs', 'profiles', `${nameOrPath}.yaml`);
      if (existsSync(p)) return p;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/** Loads a profile; `${{ env.X }}` and `${{ secrets.X }}` in it are resolved from the environment. */
export function loadProfile(file: string): Profile {
  const src = YamlSource.read(file);
  const errors = src.syntaxDiagnostics();
  const resolved = interpolate(
    src.value,
    (ns, name) => (ns === 'secrets' ? readSecret(name) : ns === 'env' ? process.env[name] : undefined) ?? '',
  );
  const parsed = ProfileSchema.safeParse(resolved);
  if (!parsed.success) for (const i of configIssues(parsed.error)) errors.push(src.diagnostic(i.path, `${i.path.join('.')}: ${i.message}`));
  if (errors.length) throw new ValidationError(errors);
  const profile = parsed.data! as Profile;
  profile.file = file;
  const base = dirname(file);
  // Paths in a profile are relative to the working folder, like the CLI's own flags.
  if (profile.plugins) profile.plugins = profile.plugins.map((p) => (p.startsWith('.') ? resolve(base, p) : p));
  return profile;
}
