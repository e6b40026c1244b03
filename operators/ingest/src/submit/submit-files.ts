import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Signer } from 'ethers';
import type { DatanetDefinition } from '@datanet/datanet';
import { deploymentDomain } from '../signing/deployment-domain.js';
import { serverDeployment, uploadSubmission } from './upload-submission.js';
import { signSubmission, submissionId } from '../signing/sign-submission.js';
import { FILES_DIR, SUBMISSION_FILE, type SignedSubmission, type SubmittedFile } from '../signing/submission-manifest.js';
import { unsafeNameReason } from '../validate/safe-name.js';
import { intakeFolders } from '../intake/entry-store.js';
import { secretKeyKind } from '../signing/key-hygiene.js';

export interface FileToSubmit {
  /** Name recorded in the manifest (defaults to the path's base name). */
  name?: string;
  /** A path to read, or the bytes themselves. */
  path?: string;
  bytes?: Uint8Array;
}

export interface SubmitOptions {
  definition: Pick<DatanetDefinition, 'id' | 'limits'>;
  /** The Datanet's inbox folder (`<stateDir>/inbox/<datanet>`); unused with `server`. */
  inbox: string;
  signer: Signer;
  files: FileToSubmit[];
  licence: string;
  consent: string[];
  /** Signing time in ms (default now). */
  timestamp?: number;
  /** Decimal nonce (default: 128 random bits, so two submitters never collide). */
  nonce?: string;
  /** When the same signed submission is already in the inbox, leave it (deterministic re-submits). */
  skipExisting?: boolean;
  /**
   * Deliver over HTTP to this `datanet serve` (its origin, e.g. http://127.0.0.1:8080) instead of
   * writing into `inbox`: signed for that deployment's domain, uploaded as multipart.
   */
  server?: string;
  /**
   * Name of the inbox entry (default: signing time and submission id). A stable name lets
   * skipExisting find a submission made earlier, even once intake has moved it to processed/ or
   * quarantine/, although a fresh signing time makes its bytes differ.
   */
  entry?: string;
}

export interface Submitted {
  submissionId: string;
  entry: string;
  dir: string;
  signed: SignedSubmission;
  /** False when skipExisting found the entry already there (over HTTP: the server already had it). */
  written: boolean;
}

/** Refused before anything is written: too many files, an unsafe name, an unreadable file. */
export class SubmitError extends Error {
  override name = 'SubmitError';
}

/**
 * Signs a manifest of the files (EIP-712, by the contributor's key) and writes it with the files
 * into a new inbox entry. The entry appears atomically (written under a temporary name, then
 * renamed), so intake never sees half a submission.
 */
export async function submitFiles(o: SubmitOptions): Promise<Submitted> {
  const cap = o.definition.limits.filesPerSubmission;
  if (o.files.length === 0) throw new SubmitError('no files to submit');
  if (o.files.length > cap) {
    throw new SubmitError(
      `limit filesPerSubmission: ${o.files.length} files given, Datanet ${o.definition.id} takes at most ${cap} per submission; nothing was submitted. Split them into several submissions`,
    );
  }
  const loaded: { name: string; bytes: Uint8Array }[] = [];
  for (const f of o.files) {
    const name = f.name ?? (f.path ? basename(f.path) : undefined);
    if (!name) throw new SubmitError('a file needs a name or a path');
    const unsafe = unsafeNameReason(name);
    if (unsafe) throw new SubmitError(`file name ${JSON.stringify(name)}: ${unsafe}; nothing was submitted`);
    let bytes = f.bytes;
    if (!bytes) {
      try {
        bytes = new Uint8Array(await readFile(f.path!));
      } catch (e) {
        throw new SubmitError(`cannot read ${f.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; nothing was submitted`);
      }
    }
    const secret = secretKeyKind(bytes);
    if (secret)
      throw new SubmitError(
        `${f.path ?? name} looks like ${secret}; a key must never be submitted (the inbox is shared). Nothing was submitted`,
      );
    loaded.push({ name, bytes });
  }
  const files: SubmittedFile[] = loaded.map((f) => ({
    name: f.name,
    size: f.bytes.length,
    sha256: `0x${createHash('sha256').update(f.bytes).digest('hex')}`,
    licence: o.licence,
    consent: [...o.consent],
  }));
  const timestamp = o.timestamp ?? Date.now();
  const contributor = await o.signer.getAddress();
  const nonce = o.nonce ?? BigInt(`0x${randomBytes(16).toString('hex')}`).toString();
  // Bound to the deployment that reads this inbox, or that the server names (EIP-712 domain version 2).
  const deployment = o.server ? await serverDeployment(o.server, o.definition.id) : await deploymentDomain(o.inbox);
  const signed = await signSubmission(o.signer, { datanet: o.definition.id, contributor, nonce, timestamp, files }, deployment);
  const id = submissionId(signed);
  if (o.server) return uploadSubmission(o.server, signed, loaded, id);
  const entry = o.entry ?? `${new Date(timestamp).toISOString().replace(/[-:.]/g, '')}-${id.slice(0, 16)}`;
  if (o.skipExisting) {
    const folders = intakeFolders(o.inbox);
    for (const dir of [folders.inbox, folders.processed, folders.quarantine].map((d) => join(d, entry))) {
      if (!existsSync(join(dir, SUBMISSION_FILE))) continue;
      // Report what was submitted then (its id, not the one a fresh signing time would give).
      const earlier = JSON.parse(await readFile(join(dir, SUBMISSION_FILE), 'utf8')) as SignedSubmission;
      return { submissionId: submissionId(earlier), entry, dir, signed: earlier, written: false };
    }
  }
  return writeEntry(o.inbox, entry, signed, loaded, id);
}

/** Writes an inbox entry as given (also used by tests to place hand-made, possibly bad, submissions). */
export async function writeEntry(
  inbox: string,
  entry: string,
  signed: unknown,
  files: { name: string; bytes: Uint8Array }[],
  id = '',
): Promise<Submitted> {
  const dir = join(inbox, entry);
  const tmp = join(inbox, `.tmp-${entry}-${randomBytes(4).toString('hex')}`);
  await mkdir(join(tmp, FILES_DIR), { recursive: true });
  try {
    for (const f of files) await writeFile(join(tmp, FILES_DIR, f.name), f.bytes);
    await writeFile(join(tmp, SUBMISSION_FILE), `${JSON.stringify(signed, null, 2)}\n`);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { submissionId: id, entry, dir, signed: signed as SignedSubmission, written: true };
}
