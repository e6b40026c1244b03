import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import {
  claimNonce, decideFile, noteStanding, openRegistry, recordContributions, recordRejections, recordSubmission,
  type ContributionRecord, type ContributionRow, type DatanetDefinition, type RejectionRow, type RejectionTableRow,
} from '@datanet/datanet';
import { readSubmission } from './read-submission.js';
import { validateFile } from './validate-file.js';
import { contributionId } from './contribution-id.js';
import { printableName, unsafeNameReason } from '../validate/safe-name.js';
import type { ParsedRecord } from '../validate/parse-records.js';

export const VALIDATOR_VERSION = 'datanet-ingest/1';

export interface ProcessInboxOptions {
  db: Kysely<any>;
  dialect: 'postgres' | 'pglite';
  definition: DatanetDefinition;
  /** The Datanet's inbox folder: one sub-folder per submission. */
  inbox: string;
  runId?: string;
  /** Clock for the daily limits (tests move it). */
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface SubmissionOutcome {
  entry: string;
  id: string;
  contributor: string;
  status: 'accepted' | 'partial' | 'rejected';
  acceptedFiles: number;
  rejectedFiles: number;
}

export interface InboxResult {
  accepted: ContributionRow[];
  rejections: RejectionTableRow[];
  submissions: SubmissionOutcome[];
  fieldNames: string[];
}

/**
 * Processes every submission in a Datanet's inbox, in entry order (entries are named by signing
 * time). Safe to re-run: each decision is stored once in the registry and read back afterwards, so
 * a re-run produces the same tables and counts nothing twice. A bad file is rejected with a reason
 * and never stops the good files of its submission or the run.
 */
export async function processInbox(o: ProcessInboxOptions): Promise<InboxResult> {
  const { db, definition: def } = o;
  await openRegistry(db, o.dialect);
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const fieldNames = def.recordSchema?.fields.map((f) => f.name) ?? [];
  const result: InboxResult = { accepted: [], rejections: [], submissions: [], fieldNames };
  let entries: string[];
  try {
    entries = (await readdir(o.inbox, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      log(`inbox ${o.inbox} does not exist yet: nothing submitted`);
      return result;
    }
    throw e;
  }
  let done = 0;
  for (const entry of entries) {
    o.signal?.throwIfAborted();
    result.submissions.push(await processEntry(o, entry, now(), result));
    o.progress?.(++done, entries.length);
  }
  return result;
}

async function processEntry(o: ProcessInboxOptions, entry: string, at: number, out: InboxResult): Promise<SubmissionOutcome> {
  const { db, definition: def } = o;
  const rejections: RejectionRow[] = [];
  const reject = (r: Omit<RejectionRow, 'datanet' | 'runId'>) => {
    rejections.push({ ...r, datanet: def.id, runId: o.runId ?? null });
    out.rejections.push({
      datanet: def.id, submission_id: r.submissionId, file: r.file, record_index: r.recordIndex, contributor: r.contributor,
      reason_code: r.reasonCode, message: r.message, duplicate_of: r.duplicateOf ?? null,
    });
  };
  const read = await readSubmission(join(o.inbox, entry), entry, def);
  const whole = (contributor: string, reasonCode: string, message: string, authenticated: boolean): SubmissionOutcome => {
    reject({ submissionId: read.id, file: '', recordIndex: -1, contributor, authenticated, reasonCode, message });
    o.log?.(`submission ${entry} rejected: ${reasonCode}`, { reasonCode, message });
    return { entry, id: read.id, contributor, status: 'rejected', acceptedFiles: 0, rejectedFiles: read.ok ? read.signed.manifest.files.length : 0 };
  };
  if (!read.ok) {
    const outcome = whole(read.contributor, read.reasonCode, read.message, read.authenticated);
    await recordRejections(db, rejections, at);
    return outcome;
  }
  const m = read.signed.manifest;
  const contributor = m.contributor;
  const nonce = await claimNonce(db, { datanet: def.id, contributor, nonce: m.nonce, submissionId: read.id, now: at });
  let replay: string | undefined;
  if (nonce.status === 'replayed') {
    replay = `nonce ${m.nonce} of ${contributor} was already used by submission ${nonce.usedBy.slice(0, 16)} at ${new Date(nonce.usedAt).toISOString()}; sign a new submission with a fresh nonce`;
  } else {
    const stored = await recordSubmission(db, {
      id: read.id, datanet: def.id, contributor, nonce: m.nonce, signedAt: m.timestamp, receivedAt: at, inboxEntry: entry,
      fileCount: m.files.length, runId: o.runId,
    });
    if (stored.inboxEntry !== entry) replay = `this signed submission was already received as inbox entry ${stored.inboxEntry}; a copy is a replay`;
  }
  if (replay) {
    const outcome = whole(contributor, 'replayed', replay, true);
    await recordRejections(db, rejections, at);
    return outcome;
  }

  const consent = (flags: string[]) => [...new Set(flags)].sort().join(',');
  const names = new Set<string>();
  const hashes = new Map<string, string>();
  let acceptedFiles = 0;
  let rejectedFiles = 0;
  const pending: { record: ContributionRecord; parsed: ParsedRecord }[] = [];
  for (const file of m.files) {
    o.signal?.throwIfAborted();
    const unsafe = unsafeNameReason(file.name);
    const name = unsafe ? printableName(file.name) : file.name;
    const fileReject = (reasonCode: string, message: string) =>
      reject({ submissionId: read.id, file: name, recordIndex: -1, contributor, authenticated: true, reasonCode, message });
    if (names.has(name)) {
      // Same name again: it cannot get its own registry row, so it is only reported.
      fileReject('duplicate_file', `"${name}" appears twice in this submission; the first is kept`);
      rejectedFiles++;
      continue;
    }
    names.add(name);
    let rejection: { reasonCode: string; message: string } | undefined;
    let records: ParsedRecord[] = [];
    if (unsafe) rejection = { reasonCode: 'unsafe_name', message: `${unsafe}; the file was not read` };
    else if (hashes.has(file.sha256)) rejection = { reasonCode: 'duplicate_file', message: `same content (sha256) as "${hashes.get(file.sha256)}" earlier in this submission` };
    else {
      hashes.set(file.sha256, file.name);
      const check = await validateFile(def, read.dir, file);
      if (check.ok) records = check.records;
      else rejection = { reasonCode: check.reasonCode, message: check.message };
    }
    const decision = await decideFile(db, {
      submissionId: read.id, name, datanet: def.id, contributor, size: file.size, sha256: file.sha256, rejection, limits: def.limits, now: at,
    });
    if (decision.status !== 'accepted') {
      fileReject(decision.reasonCode ?? 'rejected', decision.message ?? '');
      rejectedFiles++;
      await noteStanding(db, { datanet: def.id, contributor, event: 'rejected', ref: `${read.id}/${name}`, policy: def.standing, now: at });
      continue;
    }
    acceptedFiles++;
    records.forEach((parsed, index) => {
      const parts = def.recordSchema && Object.keys(parsed.fields).length > 0 ? def.recordSchema.textFields.map((t) => parsed.fields[t] ?? '') : [parsed.text];
      pending.push({
        parsed,
        record: {
          id: contributionId(parts), datanet: def.id, contributor, submissionId: read.id, sourceFile: name, recordIndex: index,
          licence: file.licence, consent: consent(file.consent), submittedAt: m.timestamp, validatorVersion: VALIDATOR_VERSION, runId: o.runId ?? null,
        },
      });
    });
  }
  const recorded = await recordContributions(db, pending.map((p) => p.record), { now: at, policy: def.standing });
  const stored = new Map(recorded.accepted.map((c) => [`${c.sourceFile}\n${c.recordIndex}`, c]));
  for (const { record, parsed } of pending) {
    const c = stored.get(`${record.sourceFile}\n${record.recordIndex}`);
    if (c && c.id === record.id && c.submissionId === record.submissionId) {
      out.accepted.push({
        id: c.id, datanet: c.datanet, contributor: c.contributor, text: parsed.text, licence: c.licence, consent: c.consent,
        submitted_at: c.submittedAt, accepted_at: c.acceptedAt, validator_version: c.validatorVersion, source_file: c.sourceFile,
        submission_id: c.submissionId, record_index: c.recordIndex, run_id: c.runId ?? null, fields: parsed.fields,
      });
      continue;
    }
    const dup = recorded.duplicates.find((d) => d.record === record)?.existing;
    reject({
      submissionId: read.id, file: record.sourceFile, recordIndex: record.recordIndex, contributor, authenticated: true, reasonCode: 'duplicate_record',
      message: dup
        ? `${parsed.where}: identical (after normalisation) to contribution ${dup.id.slice(0, 16)} from ${dup.contributor} (${dup.sourceFile}, record ${dup.recordIndex}); the earliest keeps the credit`
        : `${parsed.where}: identical to another record`,
      duplicateOf: dup?.id ?? record.id,
    });
  }
  await recordRejections(db, rejections, at);
  const status = rejectedFiles === 0 ? 'accepted' : acceptedFiles === 0 ? 'rejected' : 'partial';
  return { entry, id: read.id, contributor, status, acceptedFiles, rejectedFiles };
}
