import type { Kysely } from 'kysely';
import {
  claimNonce,
  decideFile,
  noteStanding,
  recordContributions,
  recordRejections,
  recordSubmission,
  uploadDecided,
  type ContributionRecord,
  type ContributionRow,
  type DatanetDefinition,
  type Receipt,
  type RejectionRow,
  type RejectionTableRow,
} from '@datanet/datanet';
import { readSubmission } from './read-submission.js';
import { validateFile } from './validate-file.js';
import { contributionId } from './contribution-id.js';
import type { ParserWorker } from './parse-in-worker.js';
import type { SubmissionOutcome } from './entry-store.js';
import { collisionKey, normaliseName, printableName, unsafeNameReason } from '../validate/safe-name.js';
import type { ParsedRecord } from '../validate/parse-records.js';

export interface DecideEntryOptions {
  db: Kysely<any>;
  definition: DatanetDefinition;
  /** The entry's folder. */
  dir: string;
  entry: string;
  receipt: Pick<Receipt, 'seq' | 'receivedAt'>;
  /** Clock of the daily limits. */
  at: number;
  runId?: string;
  worker: ParserWorker;
  signal?: AbortSignal;
  validatorVersion: string;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface EntryResult {
  outcome: SubmissionOutcome;
  accepted: ContributionRow[];
  rejections: RejectionTableRow[];
}

/**
 * Decides one inbox entry: whole-submission checks, then each file (names, terms, format, limits,
 * the daily quota), then each record (credit to the earliest receipt). Every decision is stored in
 * the registry once; a repeat (a resumed run) reads it back. Never throws for bad input.
 */
export async function decideEntry(o: DecideEntryOptions): Promise<EntryResult> {
  const { db, definition: def, entry, receipt, at } = o;
  const rejections: RejectionRow[] = [];
  const out: EntryResult = { outcome: undefined as unknown as SubmissionOutcome, accepted: [], rejections: [] };
  const reject = (r: Omit<RejectionRow, 'datanet' | 'runId'>) => {
    rejections.push({ ...r, datanet: def.id, runId: o.runId ?? null });
    out.rejections.push({
      datanet: def.id,
      submission_id: r.submissionId,
      file: r.file,
      record_index: r.recordIndex,
      contributor: r.contributor,
      reason_code: r.reasonCode,
      message: r.message,
      duplicate_of: r.duplicateOf ?? null,
    });
  };
  const base = { entry, receiptSeq: receipt.seq, receivedAt: receipt.receivedAt };
  const read = await readSubmission(o.dir, entry, def, { receivedAt: receipt.receivedAt });
  const whole = (contributor: string, reasonCode: string, message: string, authenticated: boolean): EntryResult => {
    reject({ submissionId: read.id, file: '', recordIndex: -1, contributor, authenticated, reasonCode, message });
    o.log?.(`submission ${entry} rejected: ${reasonCode}`, { reasonCode, message });
    out.outcome = {
      ...base,
      id: read.id,
      contributor,
      status: 'rejected',
      acceptedFiles: 0,
      rejectedFiles: read.ok ? read.signed.manifest.files.length : 0,
    };
    return out;
  };
  if (!read.ok) {
    whole(read.contributor, read.reasonCode, read.message, read.authenticated);
    await recordRejections(db, rejections, at);
    await uploadDecided(db, read.id, entry, at);
    return out;
  }
  const m = read.signed.manifest;
  const contributor = m.contributor;
  const nonce = await claimNonce(db, { datanet: def.id, contributor, nonce: m.nonce, submissionId: read.id, now: at });
  let replay: string | undefined;
  if (nonce.status === 'replayed') {
    replay = `nonce ${m.nonce} of ${contributor} was already used by submission ${nonce.usedBy.slice(0, 16)} at ${new Date(nonce.usedAt).toISOString()}; sign a new submission with a fresh nonce`;
  } else {
    const stored = await recordSubmission(db, {
      id: read.id,
      datanet: def.id,
      contributor,
      nonce: m.nonce,
      signedAt: m.timestamp,
      receivedAt: receipt.receivedAt,
      inboxEntry: entry,
      fileCount: m.files.length,
      runId: o.runId,
    });
    if (stored.inboxEntry !== entry)
      replay = `this signed submission was already received as inbox entry ${stored.inboxEntry}; a copy is a replay`;
  }
  if (replay) {
    whole(contributor, 'replayed', replay, true);
    await recordRejections(db, rejections, at);
    // This entry's upload reservation, if any: not one of the entry the submission was recorded from.
    await uploadDecided(db, read.id, entry, at);
    return out;
  }

  const consent = (flags: string[]) => [...new Set(flags)].sort().join(',');
  const names = new Set<string>();
  const folded = new Map<string, string>();
  const hashes = new Map<string, string>();
  let acceptedFiles = 0;
  let rejectedFiles = 0;
  const pending: { record: ContributionRecord; parsed: ParsedRecord }[] = [];
  for (const file of m.files) {
    o.signal?.throwIfAborted();
    const unsafe = unsafeNameReason(file.name);
    const name = unsafe ? printableName(file.name) : normaliseName(file.name);
    const fileReject = (reasonCode: string, message: string) =>
      reject({ submissionId: read.id, file: name, recordIndex: -1, contributor, authenticated: true, reasonCode, message });
    if (names.has(name)) {
      // Same name again (maybe in another Unicode form): it cannot get its own registry row, so it is only reported.
      fileReject(
        'duplicate_file',
        `"${name}" appears twice in this submission${name !== file.name ? ' (in NFC and NFD forms)' : ''}; the first is kept`,
      );
      rejectedFiles++;
      continue;
    }
    names.add(name);
    let rejection: { reasonCode: string; message: string } | undefined;
    let records: ParsedRecord[] = [];
    let textBytes = 0;
    const key = unsafe ? undefined : collisionKey(name);
    if (unsafe) rejection = { reasonCode: 'unsafe_name', message: `${unsafe}; the file was not read` };
    else if (folded.has(key!))
      rejection = {
        reasonCode: 'name_collision',
        message: `"${name}" and "${folded.get(key!)}" differ only by case or Unicode form; the first is kept`,
      };
    else if (hashes.has(file.sha256))
      rejection = {
        reasonCode: 'duplicate_file',
        message: `same content (sha256) as "${hashes.get(file.sha256)}" earlier in this submission`,
      };
    else {
      hashes.set(file.sha256, name);
      const check = await validateFile(def, read.dir, file, o.worker);
      if (check.ok) {
        records = check.records;
        textBytes = check.textBytes;
      } else rejection = { reasonCode: check.reasonCode, message: check.message };
    }
    if (key) folded.set(key, name);
    const decision = await decideFile(db, {
      submissionId: read.id,
      name,
      datanet: def.id,
      contributor,
      size: file.size,
      chargeBytes: textBytes,
      sha256: file.sha256,
      rejection,
      limits: def.limits,
      now: at,
    });
    if (decision.status !== 'accepted') {
      fileReject(decision.reasonCode ?? 'rejected', decision.message ?? '');
      rejectedFiles++;
      await noteStanding(db, { datanet: def.id, contributor, event: 'rejected', ref: `${read.id}/${name}`, policy: def.standing, now: at });
      continue;
    }
    acceptedFiles++;
    records.forEach((parsed, index) => {
      const parts =
        def.recordSchema && Object.keys(parsed.fields).length > 0
          ? def.recordSchema.textFields.map((t) => parsed.fields[t] ?? '')
          : [parsed.text];
      pending.push({
        parsed,
        record: {
          id: contributionId(parts),
          datanet: def.id,
          contributor,
          submissionId: read.id,
          sourceFile: name,
          recordIndex: index,
          // Credit by arrival: the receipt time, never the time the contributor signed.
          licence: file.licence,
          consent: consent(file.consent),
          submittedAt: receipt.receivedAt,
          validatorVersion: o.validatorVersion,
          runId: o.runId ?? null,
        },
      });
    });
  }
  const recorded = await recordContributions(
    db,
    pending.map((p) => p.record),
    { now: at, policy: def.standing },
  );
  const stored = new Map(recorded.accepted.map((c) => [`${c.sourceFile}\n${c.recordIndex}`, c]));
  const dupOf = new Map(recorded.duplicates.map((d) => [d.record, d.existing]));
  for (const { record, parsed } of pending) {
    const c = stored.get(`${record.sourceFile}\n${record.recordIndex}`);
    if (c && c.id === record.id && c.submissionId === record.submissionId) {
      out.accepted.push({
        id: c.id,
        datanet: c.datanet,
        contributor: c.contributor,
        text: parsed.text,
        licence: c.licence,
        consent: c.consent,
        submitted_at: c.submittedAt,
        receipt_seq: receipt.seq,
        signed_at: m.timestamp,
        accepted_at: c.acceptedAt,
        validator_version: c.validatorVersion,
        source_file: c.sourceFile,
        submission_id: c.submissionId,
        record_index: c.recordIndex,
        run_id: c.runId ?? null,
        fields: parsed.fields,
      });
      continue;
    }
    const dup = dupOf.get(record);
    reject({
      submissionId: read.id,
      file: record.sourceFile,
      recordIndex: record.recordIndex,
      contributor,
      authenticated: true,
      reasonCode: 'duplicate_record',
      message: dup
        ? `${parsed.where}: identical (after normalisation) to contribution ${dup.id.slice(0, 16)} from ${dup.contributor} (${dup.sourceFile}, record ${dup.recordIndex}); the earliest to arrive keeps the credit`
        : `${parsed.where}: identical to another record`,
      duplicateOf: dup?.id ?? record.id,
    });
  }
  await recordRejections(db, rejections, at);
  // Each decided file already left the upload's reservation (with its decision); nothing of it counts now.
  await uploadDecided(db, read.id, entry, at);
  const status = rejectedFiles === 0 ? 'accepted' : acceptedFiles === 0 ? 'rejected' : 'partial';
  out.outcome = { ...base, id: read.id, contributor, status, acceptedFiles, rejectedFiles };
  return out;
}
