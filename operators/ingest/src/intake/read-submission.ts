import { dirname, join } from 'node:path';
import { intakeLimits, type DatanetDefinition } from '@datanet/datanet';
import { readDeployment } from '../signing/deployment-domain.js';
import { checkSignature, submissionId } from '../signing/sign-submission.js';
import { FILES_DIR, SUBMISSION_FILE, type SignedSubmission } from '../signing/submission-manifest.js';
import type { Rejection } from '../validate/reason-codes.js';
import { unsafeNameReason } from '../validate/safe-name.js';
import { hashRegularFile, isRealDirectory } from './safe-open.js';
import { readManifest } from './read-manifest.js';
import { freshnessProblem } from './freshness.js';

export type ReadSubmission =
  | { ok: true; id: string; signed: SignedSubmission; dir: string }
  | ({ ok: false; id: string; contributor: string; authenticated: boolean; signed?: SignedSubmission } & Rejection);

export interface ReadOptions {
  /** Receipt time of the entry (ms): the signing time must lie within the freshness window around it. */
  receivedAt: number;
}

/**
 * Reads one inbox entry and runs the checks that reject a submission as a whole, cheapest first:
 * a regular, size-capped, strict manifest; the file count; a signature by the contributor it
 * names; the right Datanet; a fresh signing time; and every (safely named, not oversized) file a
 * regular file with the signed size and sha256. Nonce replay is checked later, against the registry.
 */
export async function readSubmission(entryDir: string, entry: string, def: DatanetDefinition, o: ReadOptions): Promise<ReadSubmission> {
  const limits = intakeLimits(def.limits);
  if (!(await isRealDirectory(entryDir)))
    return reject(`entry:${entry}`, '', false, 'not_regular_file', `inbox entry ${entry} is not a directory (links are not followed)`);
  const read = await readManifest(join(entryDir, SUBMISSION_FILE), limits);
  if (!read.ok) return reject(`entry:${entry}`, '', false, read.reasonCode, read.message);
  const signed = read.signed;
  const id = submissionId(signed);
  const m = signed.manifest;
  // Before the signature: a huge list costs nothing to make and must cost nothing to refuse.
  if (m.files.length > def.limits.filesPerSubmission) {
    return {
      ...reject(
        id,
        m.contributor,
        false,
        'too_many_files',
        `limit filesPerSubmission: ${m.files.length} files in one submission, Datanet ${def.id} allows ${def.limits.filesPerSubmission}; split it into several submissions`,
      ),
      signed,
    };
  }
  // Version 2 must name this inbox's deployment; version 1 (no deployment) stays readable here.
  const sig = checkSignature(signed, { deployment: await readDeployment(dirname(entryDir)) });
  if (!sig.ok) return { ...reject(id, m.contributor, false, sig.reasonCode, sig.message), signed };
  const contributor = sig.signer;
  if (m.datanet !== def.id)
    return { ...reject(id, contributor, true, 'wrong_datanet', `signed for Datanet "${m.datanet}" but delivered to "${def.id}"`), signed };
  if (m.files.length === 0) return { ...reject(id, contributor, true, 'manifest_invalid', 'the manifest lists no files'), signed };
  const stale = freshnessProblem(m.timestamp, o.receivedAt, limits);
  if (stale) return { ...reject(id, contributor, true, 'stale_timestamp', stale), signed };
  const dir = join(entryDir, FILES_DIR);
  if (!(await isRealDirectory(dir)))
    return {
      ...reject(
        id,
        contributor,
        true,
        'not_regular_file',
        `${FILES_DIR}/ of inbox entry ${entry} is missing or not a directory (links are not followed)`,
      ),
      signed,
    };
  const maxFile = def.limits.maxFileBytes ?? def.limits.dailyBytesPerContributor;
  for (const f of m.files) {
    if (unsafeNameReason(f.name)) continue; // never touched; rejected per file later
    if (f.size > maxFile) continue; // never read; rejected per file as file_too_large
    const h = await hashRegularFile(join(dir, f.name), f.name, f.size);
    if (!h.ok) return { ...reject(id, contributor, true, h.reasonCode, h.message), signed };
    if (h.sha256 !== f.sha256) {
      return {
        ...reject(
          id,
          contributor,
          true,
          'tampered',
          `file "${f.name}" has sha256 ${h.sha256.slice(0, 18)}..., the signed manifest says ${f.sha256.slice(0, 18)}...; it was changed after signing`,
        ),
        signed,
      };
    }
  }
  return { ok: true, id, signed: { ...signed, manifest: { ...m, contributor } }, dir };
}

function reject(id: string, contributor: string, authenticated: boolean, reasonCode: Rejection['reasonCode'], message: string) {
  return { ok: false as const, id, contributor, authenticated, reasonCode, message };
}
