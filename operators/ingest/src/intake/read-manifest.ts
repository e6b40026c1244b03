import type { IntakeLimits } from '@datanet/datanet';
import { SUBMISSION_FILE, SignedSubmissionSchema, type SignedSubmission } from '../signing/submission-manifest.js';
import type { Rejection } from '../validate/reason-codes.js';
import { StrictJsonError, parseStrictJson } from '../validate/strict-json.js';
import { readCappedFile } from './safe-open.js';

export type ManifestRead = { ok: true; signed: SignedSubmission } | ({ ok: false } & Rejection);

/**
 * Parses manifest text strictly: valid UTF-8 JSON, no key twice in one object, nesting within
 * the limit, and exactly the fields of datanet-submission/1 (an unknown field is refused, not
 * ignored). The message names the line or the field path.
 */
export function parseManifest(bytes: Uint8Array, limits: Pick<IntakeLimits, 'maxNestingDepth'>): ManifestRead {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reasonCode: 'manifest_invalid', message: `${SUBMISSION_FILE} is not valid UTF-8` };
  }
  let raw: unknown;
  try {
    raw = parseStrictJson(text, limits.maxNestingDepth);
  } catch (e) {
    const message = e instanceof StrictJsonError ? e.message : String(e);
    return { ok: false, reasonCode: 'manifest_invalid', message: `${SUBMISSION_FILE}: ${message}` };
  }
  const parsed = SignedSubmissionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys =
      issue.code === 'unrecognized_keys' ? ` (${(issue as { keys: string[] }).keys.map((k) => JSON.stringify(k)).join(', ')})` : '';
    return {
      ok: false,
      reasonCode: 'manifest_invalid',
      message: `${SUBMISSION_FILE}: ${issue.path.join('.') || 'document'}: ${issue.message}${keys}`,
    };
  }
  return { ok: true, signed: parsed.data };
}

/** Reads an entry's manifest: a regular file no larger than maxManifestBytes, refused unread otherwise. */
export async function readManifest(
  path: string,
  limits: Pick<IntakeLimits, 'maxNestingDepth' | 'maxManifestBytes'>,
): Promise<ManifestRead> {
  const r = await readCappedFile(path, SUBMISSION_FILE, limits.maxManifestBytes);
  if (!r.ok) {
    if (r.reason === 'missing') return { ok: false, reasonCode: 'manifest_invalid', message: `no ${SUBMISSION_FILE} in the inbox entry` };
    return { ok: false, reasonCode: r.reason === 'too_large' ? 'manifest_too_large' : 'not_regular_file', message: r.message };
  }
  return parseManifest(r.bytes, limits);
}
