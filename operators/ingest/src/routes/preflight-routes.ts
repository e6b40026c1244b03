import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { DATANET_ID, definitionLoader, openRegistry, refuseUnknownDatanets, unknownDatanet } from '@datanet/datanet';
import type { RegisterRoutes } from '@datanet/pipelines/server';
import { preflightFiles } from '../preflight/preflight-files.js';
import type { SubmittedFile } from '../signing/submission-manifest.js';
import { unsafeNameReason } from '../validate/safe-name.js';
import { UploadRefusal } from './receive-files.js';

const Refusal = z.object({ error: z.string(), message: z.string() }).passthrough();
const Decision = z.enum(['accepted', 'rejected']);
const Report = z.object({
  datanet: z.string(),
  decision: z.enum(['accepted', 'partial', 'rejected']),
  reasonCode: z.string().nullable(),
  message: z.string().nullable(),
  files: z.array(
    z.object({
      name: z.string(),
      size: z.number(),
      decision: Decision,
      reasonCode: z.string().nullable(),
      message: z.string().nullable(),
      records: z.array(
        z.object({
          index: z.number(),
          where: z.string(),
          decision: Decision,
          reasonCode: z.string().nullable(),
          message: z.string().nullable(),
          duplicateOf: z.string().nullable(),
          quality: z.array(z.object({ rule: z.string(), message: z.string() })),
        }),
      ),
    }),
  ),
});

/**
 * POST /v1/datanets/{id}/preflight: files (multipart; optional fields "licence" and "consent"
 * first) checked as intake would check them, before anything is signed or stored. The files go to
 * a private temporary folder, are judged and are removed; nothing reaches the inbox or registry.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await openRegistry(ctx.db, ctx.dialect);
  const definition = definitionLoader(ctx.config.configRoot, app.log);
  refuseUnknownDatanets(app, definition);
  app.post(
    '/v1/datanets/:id/preflight',
    {
      // Anyone may ask (nothing is stored); each ask parses files, so it counts as a submission.
      config: { access: 'public', rateLimit: { max: ctx.config.submissionsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['contributors'],
        summary: 'What intake would decide for these files and why (format, size, terms, schema, duplicates, quality), storing nothing',
        params: z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id') }),
        consumes: ['multipart/form-data'],
        response: { 200: Report, 400: Refusal, 404: Refusal, 413: Refusal, 415: Refusal },
      },
    },
    async (req, reply) => {
      const def = definition(req.params.id);
      if (!def) return reply.code(404).send(unknownDatanet(req.params.id));
      if (!req.isMultipart())
        return reply
          .code(415)
          .send({ error: 'not_multipart', message: 'send multipart/form-data: optional "licence" and "consent" fields, then the files' });
      const dir = await mkdtemp(join(tmpdir(), 'datanet-preflight-'));
      try {
        let licence = def.licences[0];
        let consent = def.consent.required;
        const files: SubmittedFile[] = [];
        const maxFile = Math.min(ctx.config.fileLimitBytes, def.limits.maxFileBytes ?? def.limits.dailyBytesPerContributor);
        for await (const part of req.parts()) {
          if (part.type === 'field') {
            if (files.length > 0) throw new UploadRefusal(400, 'unexpected_field', `field "${part.fieldname}" after the files began`);
            const value = String(part.value);
            if (part.fieldname === 'licence') licence = value;
            else if (part.fieldname === 'consent')
              consent = value
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean);
            else throw new UploadRefusal(400, 'unexpected_field', `unknown field "${part.fieldname}"; only "licence" and "consent"`);
            continue;
          }
          if (files.length >= def.limits.filesPerSubmission)
            throw new UploadRefusal(
              413,
              'too_many_files',
              `limit filesPerSubmission: Datanet ${def.id} takes at most ${def.limits.filesPerSubmission} files per submission`,
            );
          const name = part.filename;
          if (unsafeNameReason(name) || files.some((f) => f.name === name)) {
            // Judged by name alone: the bytes are drained, never written.
            part.file.resume();
            await finished(part.file);
            files.push({ name, size: 0, sha256: `0x${'0'.repeat(64)}`, licence, consent });
            continue;
          }
          files.push(await saveCapped(part.file, join(dir, name), name, maxFile, licence, consent));
        }
        if (files.length === 0) throw new UploadRefusal(400, 'no_files', 'send at least one file part');
        const checked = await preflightFiles({ db: ctx.db, def, configRoot: ctx.config.configRoot, dir, files });
        const accepted = checked.filter((f) => f.decision === 'accepted').length;
        return {
          datanet: def.id,
          decision: accepted === checked.length ? ('accepted' as const) : accepted === 0 ? ('rejected' as const) : ('partial' as const),
          reasonCode: null,
          message: null,
          files: checked,
        };
      } catch (e) {
        if (e instanceof UploadRefusal)
          return reply.code(e.status as never).send({ error: e.code, message: e.message, ...e.extra } as never);
        const code = (e as { code?: string }).code;
        if (code?.startsWith('FST_') || !(typeof code === 'string' && /^E[A-Z]+$/.test(code)))
          return reply
            .code(400)
            .send({ error: 'bad_multipart', message: `the multipart body cannot be read: ${String((e as Error).message).slice(0, 200)}` });
        throw e;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
};

/** Streams a file to disk, hashing it, never past `max` bytes (a larger file is kept at max+1 and judged too large). */
async function saveCapped(
  stream: NodeJS.ReadableStream,
  path: string,
  name: string,
  max: number,
  licence: string,
  consent: string[],
): Promise<SubmittedFile> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) return done(new UploadRefusal(413, 'file_too_large', `file "${name}" is over ${max} bytes, the largest accepted`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(stream, meter, createWriteStream(path, { flags: 'wx' }));
  return { name, size, sha256: `0x${hash.digest('hex')}`, licence, consent };
}

export default register;
