import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatanetDefinition } from '@datanet/datanet';
import { checkSignature, submissionId } from '../signing/sign-submission.js';
import { FILES_DIR, SUBMISSION_FILE, SignedSubmissionSchema, type SignedSubmission } from '../signing/submission-manifest.js';
import type { Rejection } from '../validate/reason-codes.js';
import { unsafeNameReason } from '../validate/safe-name.js';

export type ReadSubmission =
  | { ok: true; id: string; signed: SignedSubmission; dir: string }
  | ({ ok: false; id: string; contributor: string; authenticated: boolean; signed?: SignedSubmission } & Rejection);

/**
 * Reads one inbox entry and runs the checks that reject a submission as a whole: a readable
 * manifest, a signature by the contributor it names, the right Datanet, the file count, and every
 * (safely named) file present with the signed size and sha256. Nonce replay is checked later,
 * against the registry.
 */
export async function readSubmission(entryDir: string, entry: string, def: DatanetDefinition): Promise<ReadSubmission> {
  let signed: SignedSubmission;
  try {
    const raw = JSON.parse(await readFile(join(entryDir, SUBMISSION_FILE), 'utf8'));
    const parsed = SignedSubmissionSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reject(`entry:${entry}`, '', false, 'manifest_invalid', `${SUBMISSION_FILE}: ${issue.path.join('.') || 'document'}: ${issue.message}`);
    }
    signed = parsed.data;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return reject(`entry:${entry}`, '', false, 'manifest_invalid', code === 'ENOENT' ? `no ${SUBMISSION_FILE} in inbox entry ${entry}` : `${SUBMISSION_FILE} is not JSON: ${(e as Error).message}`);
  }
  const id = submissionId(signed);
  const m = signed.manifest;
  const sig = checkSignature(signed);
  if (!sig.ok) return { ...reject(id, m.contributor, false, sig.reasonCode, sig.message), signed };
  const contributor = sig.signer;
  if (m.datanet !== def.id) return { ...reject(id, contributor, true, 'wrong_datanet', `signed for Datanet "${m.datanet}" but delivered to "${def.id}"`), signed };
  if (m.files.length === 0) return { ...reject(id, contributor, true, 'manifest_invalid', 'the manifest lists no files'), signed };
  if (m.files.length > def.limits.filesPerSubmission) {
    return {
      ...reject(id, contributor, true, 'too_many_files', `limit filesPerSubmission: ${m.files.length} files in one submission, Datanet ${def.id} allows ${def.limits.filesPerSubmission}; split it into several submissions`),
      signed,
    };
  }
  const dir = join(entryDir, FILES_DIR);
  for (const f of m.files) {
    if (unsafeNameReason(f.name)) continue; // never touched; rejected per file later
    const path = join(dir, f.name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return { ...reject(id, contributor, true, 'tampered', `file "${f.name}" is listed in the signed manifest but missing from the inbox`), signed };
    }
    if (size !== f.size) return { ...reject(id, contributor, true, 'tampered', `file "${f.name}" is ${size} bytes but the signed manifest says ${f.size}`), signed };
    const hash = `0x${createHash('sha256').update(await readFile(path)).digest('hex')}`;
    if (hash !== f.sha256) return { ...reject(id, contributor, true, 'tampered', `file "${f.name}" has sha256 ${hash.slice(0, 18)}..., the signed manifest says ${f.sha256.slice(0, 18)}...; it was changed after signing`), signed };
  }
  return { ok: true, id, signed: { ...signed, manifest: { ...m, contributor } }, dir };
}

function reject(id: string, contributor: string, authenticated: boolean, reasonCode: Rejection['reasonCode'], message: string) {
  return { ok: false as const, id, contributor, authenticated, reasonCode, message };
}
