import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DATANET_ID,
  dailyWindow,
  definitionLoader,
  intakeLimits,
  releaseUpload,
  refreshUpload,
  uploadRefreshMs,
  openRegistry,
  refuseUnknownDatanets,
  unknownDatanet,
  type DatanetDefinition,
  type IntakeLimits,
  type UploadReservation,
} from '@datanet/datanet';
import type { RegisterRoutes, ServerContext } from '@datanet/pipelines/server';
import { deploymentDomain } from '../signing/deployment-domain.js';
import { checkSignatureOffThread, warmSignatureCheck } from '../signing/sign-submission.js';
import { FILES_DIR, SUBMISSION_FILE, type SignedSubmission } from '../signing/submission-manifest.js';
import { freshnessProblem } from '../intake/freshness.js';
import { intakeFolders } from '../intake/entry-store.js';
import { parseManifest } from '../intake/read-manifest.js';
import { collisionKey, unsafeNameReason } from '../validate/safe-name.js';
import { admitUpload, createAdmitFunction } from './admit-upload.js';
import { earlyRejections } from './early-checks.js';
import { answerBatches, receiptBatches } from './store-batches.js';
import { KEEP_IN_MEMORY_BYTES, receiveFile, UploadRefusal } from './receive-files.js';

const Refusal = z.object({ error: z.string(), message: z.string() }).passthrough();
const Receipt = z.object({
  submissionId: z.string(),
  datanet: z.string(),
  contributor: z.string(),
  receivedAt: z.string(),
  entry: z.string(),
  files: z.number(),
  bytes: z.number(),
  status: z.string(),
  rejectedFiles: z.array(z.object({ file: z.string(), reasonCode: z.string(), message: z.string() })).optional(),
});

/**
 * The contributor's way in over HTTP: a signed manifest and its files, checked while they stream,
 * written into the Datanet's inbox as one entry that appears whole (temporary folder, then rename),
 * where intake decides it like any other. Nothing is kept when a check fails.
 */
const register: RegisterRoutes = async (app, ctx) => {
  await openRegistry(ctx.db, ctx.dialect);
  await createAdmitFunction(ctx.db);
  await sweepAbandonedUploads(join(ctx.config.stateDir, 'inbox'), (n) =>
    app.log.warn(`removed ${n} upload folder(s) abandoned by a server that stopped mid-upload`),
  );
  const definition = definitionLoader(ctx.config.configRoot, app.log);
  refuseUnknownDatanets(app, definition);
  ctx.warmUps.push(warmSignatureCheck);
  const takeReceipt = receiptBatches(ctx.db);
  const keepAnswer = answerBatches(ctx.db, ctx.idempotency.get);

  app.post(
    '/v1/datanets/:id/submissions',
    {
      // The EIP-712 signature over the manifest is the authentication: no session is needed.
      config: { access: 'public', rateLimit: { max: ctx.config.submissionsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['contributors'],
        summary: 'Submit files: multipart, first a field "manifest" (the signed submission JSON), then one file part per manifest entry',
        params: z.object({ id: z.string().regex(DATANET_ID, 'a Datanet id') }),
        consumes: ['multipart/form-data'],
        response: {
          200: Receipt,
          202: Receipt,
          400: Refusal,
          403: Refusal,
          404: Refusal,
          409: Refusal,
          413: Refusal,
          415: Refusal,
          429: Refusal,
        },
      },
    },
    async (req, reply) => {
      const def = definition(req.params.id);
      if (!def) return reply.code(404).send(unknownDatanet(req.params.id));
      if (!req.isMultipart())
        return reply.code(415).send({ error: 'not_multipart', message: 'send multipart/form-data: a "manifest" field, then the files' });
      const receivedAt = Date.now();
      let tmp: string | undefined;
      let reserved: string | undefined;
      let refreshing: NodeJS.Timeout | undefined;
      let reading = false;
      try {
        reading = true;
        const parts = req.parts();
        const first = await parts.next();
        reading = false;
        if (first.done || first.value.type !== 'field' || first.value.fieldname !== 'manifest') {
          throw new UploadRefusal(400, 'manifest_first', 'the first part must be the field "manifest" (the signed submission as JSON)');
        }
        const limits = intakeLimits(def.limits);
        const signed = manifestOf(first.value as { value: unknown; valueTruncated?: boolean }, limits);
        const m = signed.manifest;
        checkManifest(signed, def, ctx);
        const inbox = join(ctx.config.stateDir, 'inbox', def.id);
        // Only a manifest signed for this deployment (EIP-712 domain version 2 naming it) is taken.
        // Hashing and recovery run in a service thread, off the event loop, which gives the id too.
        const verified = await checkSignatureOffThread(signed, { deployment: await deploymentDomain(inbox), requireBound: true });
        const sig = verified.check;
        if (!sig.ok) throw new UploadRefusal(403, sig.reasonCode, sig.message);
        const id = verified.id!;
        const contributor = sig.signer;
        // Counted by the time of receipt, never by the time the contributor claims to have signed.
        // The same signed submission again gets the first answer, before any check of time or quota.
        const stale = freshnessProblem(m.timestamp, receivedAt, limits);
        if (stale) {
          const earlier = await ctx.idempotency.get(`submission:${id}`);
          if (earlier) return reply.code(earlier.status as never).send(earlier.body as never);
          throw new UploadRefusal(400, 'stale_timestamp', stale);
        }
        const bytes = m.files.reduce((a, f) => a + f.size, 0);
        // Reserved before a byte is stored: concurrent uploads cannot pass a daily cap together.
        // With the earlier answer and the nonce's claim, one statement (admit-upload.ts).
        const request = { datanet: def.id, contributor, submissionId: id, bytes, files: m.files.length, limits: def.limits, receivedAt };
        const admitted = await admitUpload(ctx, request, m.nonce);
        if (admitted.earlier) return reply.code(admitted.earlier.status as never).send(admitted.earlier.body as never);
        const quota = admitted.quota;
        if (!quota.ok) throw dailyLimitRefusal(quota, contributor, def.id, receivedAt);
        reserved = id;
        // A long upload keeps its reservation live while it streams (an unrefreshed one goes stale
        // and another upload could take its room); until its answer is kept
        // (the reservation then `received`) or the upload fails.
        refreshing = setInterval(() => {
          refreshUpload(ctx.db, request, Date.now()).catch((err: Error) =>
            req.log.warn({ submissionId: id }, `upload reservation not refreshed: ${err.message}`),
          );
        }, uploadRefreshMs());
        refreshing.unref();
        if (admitted.replayed) throw admitted.replayed;
        const seenBefore = admitted.seenBefore;

        const entry = `${new Date(receivedAt).toISOString().replace(/[-:.]/g, '')}-${id.slice(0, 16)}`;
        // Only a submission this server or intake has seen before can have an entry already (a
        // retry after a crash that left the entry but no answer): a new one skips the folder scan.
        const existing = seenBefore || quota.again ? findEntry(inbox, id) : undefined;
        tmp = join(inbox, `.tmp-http-${entry}-${randomBytes(4).toString('hex')}`);
        // Makes the Datanet's inbox folder too, the first time. The entry's own folders, its
        // submission.json and its rename are a few small syscalls, made here on the event loop:
        // through the thread pool each cost several times the CPU (0.4-0.65 ms against 0.08-0.1 ms
        // for the three on this machine), and the upload waits for them either way.
        mkdirSync(join(tmp, FILES_DIR), { recursive: true });
        const expected = new Map(m.files.map((f) => [f.name, f]));
        const received = new Set<string>();
        // Small files are gathered in memory, and kept for the early checks (no read back).
        const kept = new Map<string, Uint8Array>();
        let keptBytes = 0;
        reading = true;
        for await (const part of parts) {
          if (part.type !== 'file')
            throw new UploadRefusal(
              400,
              'unexpected_field',
              `field "${part.fieldname}" after the files began; only file parts may follow the manifest`,
            );
          const name = part.filename;
          const f = expected.get(name);
          if (!f) {
            const unsafe = unsafeNameReason(name);
            throw new UploadRefusal(
              400,
              unsafe ? 'unsafe_name' : 'unexpected_file',
              unsafe ? `file name ${JSON.stringify(name)}: ${unsafe}` : `file "${name}" is not in the signed manifest`,
            );
          }
          if (received.has(name)) throw new UploadRefusal(400, 'duplicate_file', `file "${name}" was sent twice`);
          received.add(name);
          const bytesKept = await receiveFile(part, f, join(tmp, FILES_DIR), keptBytes + f.size <= KEEP_IN_MEMORY_BYTES);
          if (bytesKept) {
            kept.set(name, bytesKept);
            keptBytes += bytesKept.length;
          }
        }
        reading = false;
        const missing = m.files.filter((f) => !received.has(f.name)).map((f) => f.name);
        if (missing.length)
          throw new UploadRefusal(
            400,
            'missing_file',
            `the signed manifest lists ${missing.map((n) => `"${n}"`).join(', ')} but the upload did not include ${missing.length === 1 ? 'it' : 'them'}`,
          );
        // Files intake would reject without parsing are named now; when every file would be, the
        // whole upload is refused (400) and nothing is kept. Otherwise the good files go on.
        const early = await earlyRejections(def, join(tmp, FILES_DIR), m.files, kept);
        if (early.length === m.files.length)
          throw new UploadRefusal(400, early[0].reasonCode, early.map((r) => `"${r.file}": ${r.reasonCode}: ${r.message}`).join('; '), {
            files: early,
          });
        writeFileSync(join(tmp, SUBMISSION_FILE), `${JSON.stringify(signed, null, 2)}\n`);
        // The entry appears whole or not at all. A retry after a crash that left the entry but no
        // answer finds the entry by its id and does not make a second one.
        if (existing) await rm(tmp, { recursive: true, force: true });
        else renameSync(tmp, join(inbox, entry));
        tmp = undefined;
        // The entry exists: its reservation holds from here, whatever fails next.
        reserved = undefined;
        // Credit goes by order of arrival: number the entry now, by this server's clock.
        // A failure to number it here is not the contributor's: the entry is stored whole, and
        // intake numbers any entry it finds without a receipt.
        if (!existing)
          await takeReceipt(def.id, { entry, receivedAt }).catch((err: Error) =>
            req.log.warn({ entry }, `receipt not taken at upload (intake will take it): ${err.message}`),
          );
        const { day } = dailyWindow(receivedAt, def.limits.resetTimezone);
        const receipt = {
          submissionId: id,
          datanet: def.id,
          contributor,
          receivedAt: new Date(receivedAt).toISOString(),
          entry: existing ?? entry,
          files: m.files.length,
          bytes,
          fileCount: m.files.length,
          status: 'received',
          // What intake will reject in any case; the other files are kept and decided by intake.
          rejectedFiles: early,
        };
        // Kept with the reservation made `received`, in one statement with the answers of the
        // uploads finishing at the same time (store-batches.ts).
        const first202 = await keepAnswer({ submissionId: id, subject: `${def.id}:${contributor.toLowerCase()}:${day}`, body: receipt });
        return reply.code(first202.status as never).send(first202.body as never);
      } catch (e) {
        if (tmp) await rm(tmp, { recursive: true, force: true });
        if (reserved) await releaseUpload(ctx.db, reserved);
        if (e instanceof UploadRefusal) {
          if (e.status === 429 && typeof e.extra.retryAfter === 'number') reply.header('retry-after', String(e.extra.retryAfter));
          return reply.code(e.status as never).send({ error: e.code, message: e.message, ...e.extra } as never);
        }
        const code = (e as { code?: string }).code;
        // @fastify/multipart's own limits (too many parts, a field too large) and broken bodies.
        if (code?.startsWith('FST_') || (e as { statusCode?: number }).statusCode === 413) {
          const status = (e as { statusCode?: number }).statusCode ?? 400;
          return reply
            .code((status >= 400 && status < 500 ? status : 400) as never)
            .send({ error: code?.toLowerCase() ?? 'bad_upload', message: (e as Error).message } as never);
        }
        if (code === 'EEXIST') return reply.code(400).send({ error: 'duplicate_file', message: 'a file name appears twice' });
        // The multipart parser's errors (truncated body, no boundary, malformed headers) carry no
        // system error code; a disk error (ENOSPC, EACCES) does and stays a 5xx.
        if (reading && !(typeof code === 'string' && /^E[A-Z]+$/.test(code))) {
          return reply.code(400).send({
            error: 'bad_multipart',
            message: `the multipart body cannot be read: ${String((e as Error).message ?? e).slice(0, 200)}`,
          });
        }
        throw e;
      } finally {
        clearInterval(refreshing);
      }
    },
  );
};

/** 429 naming the limit, the amount used, what this upload needs and when the day resets. */
function dailyLimitRefusal(q: Extract<UploadReservation, { ok: false }>, contributor: string, datanet: string, now: number) {
  const reset = new Date(q.resetsAt).toISOString();
  return new UploadRefusal(
    429,
    'daily_limit',
    `daily limit ${q.limit} (${q.cap} ${q.unit}) for ${contributor} in Datanet ${datanet}: ${q.used} ${q.unit} used on ${q.day}, this submission needs ${q.requested} more; it resets at ${reset}`,
    {
      limit: q.limit,
      cap: q.cap,
      used: q.used,
      requested: q.requested,
      resetsAt: reset,
      retryAfter: Math.max(1, Math.ceil((q.resetsAt - now) / 1000)),
    },
  );
}

/** The manifest field, parsed as intake parses submission.json (strict JSON, exact fields). */
function manifestOf(field: { value: unknown; valueTruncated?: boolean }, limits: IntakeLimits): SignedSubmission {
  const bytes = Buffer.from(String(field.value), 'utf8');
  if (field.valueTruncated || bytes.length > limits.maxManifestBytes) {
    throw new UploadRefusal(
      413,
      'manifest_too_large',
      `the manifest is over the limit maxManifestBytes (${limits.maxManifestBytes} bytes)`,
      { limit: 'maxManifestBytes', cap: limits.maxManifestBytes },
    );
  }
  const read = parseManifest(bytes, limits);
  if (!read.ok) throw new UploadRefusal(400, read.reasonCode, read.message);
  return read.signed;
}

/**
 * A server killed mid-upload leaves its temporary folder (never an inbox entry: those appear by
 * rename). Folders older than an hour are removed at start; younger ones may belong to a replica
 * that is uploading now.
 */
async function sweepAbandonedUploads(inboxRoot: string, report: (n: number) => void): Promise<void> {
  if (!existsSync(inboxRoot)) return;
  let n = 0;
  const cutoff = Date.now() - 3_600_000;
  for (const datanet of readdirSync(inboxRoot)) {
    const dir = join(inboxRoot, datanet);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith('.tmp-http-')) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st && st.mtimeMs < cutoff) {
        await rm(join(dir, name), { recursive: true, force: true });
        n++;
      }
    }
  }
  if (n > 0) report(n);
}

/** An entry of this submission already written: in the inbox, or moved on by intake. */
function findEntry(inbox: string, id: string): string | undefined {
  const suffix = `-${id.slice(0, 16)}`;
  const folders = intakeFolders(inbox);
  for (const dir of [folders.inbox, folders.processed, folders.quarantine]) {
    if (!existsSync(dir)) continue;
    const hit = readdirSync(dir).find((n) => n.endsWith(suffix) && !n.startsWith('.'));
    if (hit) return hit;
  }
  return undefined;
}

/** The whole-submission checks, cheapest first, before the signature is even verified. */
function checkManifest(signed: SignedSubmission, def: DatanetDefinition, ctx: ServerContext): void {
  const m = signed.manifest;
  if (m.datanet !== def.id) throw new UploadRefusal(400, 'wrong_datanet', `signed for Datanet "${m.datanet}" but sent to "${def.id}"`);
  if (m.files.length === 0) throw new UploadRefusal(400, 'manifest_invalid', 'the manifest lists no files');
  if (m.files.length > def.limits.filesPerSubmission) {
    throw new UploadRefusal(
      413,
      'too_many_files',
      `limit filesPerSubmission: ${m.files.length} files in one submission, Datanet ${def.id} allows ${def.limits.filesPerSubmission}; split it into several submissions`,
      {
        limit: 'filesPerSubmission',
        cap: def.limits.filesPerSubmission,
        requested: m.files.length,
      },
    );
  }
  const seen = new Set<string>();
  // Two names one file system may take for one file (NFC/NFD, case) collide.
  const maxFile = Math.min(
    ctx.config.fileLimitBytes,
    (def.limits as { maxFileBytes?: number }).maxFileBytes ?? def.limits.dailyBytesPerContributor,
  );
  for (const f of m.files) {
    const unsafe = unsafeNameReason(f.name);
    if (unsafe) throw new UploadRefusal(400, 'unsafe_name', `file name ${JSON.stringify(f.name)}: ${unsafe}`);
    const key = collisionKey(f.name);
    if (seen.has(key))
      throw new UploadRefusal(
        400,
        'name_collision',
        `file "${f.name}" collides with another name in the manifest (same name up to case or Unicode form)`,
      );
    seen.add(key);
    if (f.size > maxFile)
      throw new UploadRefusal(413, 'file_too_large', `file "${f.name}" is ${f.size} bytes; this server takes at most ${maxFile} per file`, {
        limit: 'maxFileBytes',
        cap: maxFile,
        requested: f.size,
      });
  }
}

export default register;
