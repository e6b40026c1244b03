import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import {
  closeReceipt,
  intakeLimits,
  openReceipts,
  openRegistry,
  takeReceipt,
  type ContributionRow,
  type DatanetDefinition,
  type Receipt,
  type RejectionTableRow,
} from '@datanet/datanet';
import { decideEntry } from './decide-entry.js';
import {
  findDecision,
  intakeFolders,
  moveDecided,
  readDecisions,
  settleEntry,
  type IntakeFolders,
  type SubmissionOutcome,
} from './entry-store.js';
import { ParserWorker } from './parse-in-worker.js';

export { type SubmissionOutcome } from './entry-store.js';

export const VALIDATOR_VERSION = 'datanet-ingest/1';

export interface ProcessInboxOptions {
  db: Kysely<any>;
  dialect: 'postgres' | 'pglite';
  definition: DatanetDefinition;
  /** The Datanet's inbox folder: one sub-folder per submission. */
  inbox: string;
  /** Where decided entries go (defaults: see intakeFolders). */
  processedDir?: string;
  quarantineDir?: string;
  runId?: string;
  /** Clock for receipts and the daily limits (tests move it). */
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface InboxResult {
  /** Accepted records of every decided entry (this run's and earlier ones'), in order of arrival. */
  accepted: ContributionRow[];
  rejections: RejectionTableRow[];
  submissions: SubmissionOutcome[];
  fieldNames: string[];
  /** Entries decided by this run, in order of arrival (earlier decisions are only read back). */
  decidedNow: SubmissionOutcome[];
  folders: IntakeFolders;
  /** Parser processes this run started (0 when nothing needed parsing) and killed at a limit. */
  parsersStarted: number;
  parsersKilled: number;
}

/** Inbox entries in order of arrival: the time the OS recorded for the entry (ctime, which no one can set back), then name. */
async function arrivals(inbox: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(inbox)).filter((n) => !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const stamped: { name: string; t: bigint }[] = [];
  for (const name of names) {
    const st = await lstat(join(inbox, name), { bigint: true }).catch(() => undefined);
    if (st) stamped.push({ name, t: st.ctimeNs });
  }
  return stamped.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.name < b.name ? -1 : 1)).map((s) => s.name);
}

/**
 * Takes in every new inbox entry (a receipt number in order of arrival), decides each once, and
 * moves it out of the inbox with its decision: to processed/ when a file was accepted, to
 * quarantine/ otherwise. A later run never reads a decided entry again; the output tables are
 * rebuilt from the stored decisions, so they hold every entry ever decided, in arrival order, and
 * a re-run (or a resume after a crash) gives the same tables. One entry that fails unexpectedly
 * stays in the inbox for the next run and never stops the others.
 */
export async function processInbox(o: ProcessInboxOptions): Promise<InboxResult> {
  const { db, definition: def } = o;
  await openRegistry(db, o.dialect);
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const folders = intakeFolders(o.inbox, o);
  const fieldNames = def.recordSchema?.fields.map((f) => f.name) ?? [];
  const present = await arrivals(o.inbox);
  if (present.length === 0 && (await readDecisions(folders)).length === 0) {
    log(`inbox ${o.inbox} does not exist yet or is empty: nothing submitted`);
  }
  const inInbox = new Set(present);
  // Receipts left open by a run that stopped keep their number; new entries get the next ones.
  const open = new Map((await openReceipts(db, def.id)).map((r) => [r.entry, r]));
  for (const entry of present) if (!open.has(entry)) open.set(entry, await takeReceipt(db, { datanet: def.id, entry, receivedAt: now() }));
  const queue = [...open.values()].sort((a, b) => a.seq - b.seq);
  const decidedNow: SubmissionOutcome[] = [];
  const failed: string[] = [];
  const worker = new ParserWorker(intakeLimits(def.limits));
  try {
    let done = 0;
    for (const receipt of queue) {
      o.signal?.throwIfAborted();
      const earlier = await findDecision(folders, receipt.entry, receipt.seq);
      if (earlier) {
        await moveDecided(folders, earlier);
        await closeReceipt(db, { datanet: def.id, seq: receipt.seq, outcome: earlier.outcome.status, decidedAt: earlier.decidedAt });
      } else if (inInbox.has(receipt.entry)) {
        const outcome = await decideOne(o, receipt, worker, folders, failed);
        if (outcome) decidedNow.push(outcome);
      } // else: an open receipt of another inbox (or another process's): not ours to touch.
      o.progress?.(++done, queue.length);
    }
  } finally {
    await worker.close();
  }
  if (worker.killed > 0) log(`${worker.killed} parser(s) stopped at a time or memory limit`);
  const result: InboxResult = {
    accepted: [],
    rejections: [],
    submissions: [],
    fieldNames,
    decidedNow,
    folders,
    parsersStarted: worker.started,
    parsersKilled: worker.killed,
  };
  for (const d of await readDecisions(folders)) {
    result.submissions.push(d.outcome);
    result.accepted.push(...d.accepted);
    result.rejections.push(...d.rejections);
  }
  if (failed.length > 0) {
    throw new Error(
      `intake could not decide ${failed.length} inbox entr${failed.length === 1 ? 'y' : 'ies'} (left in the inbox for the next run; every other entry was decided): ${failed.join('; ')}`,
    );
  }
  return result;
}

async function decideOne(
  o: ProcessInboxOptions,
  receipt: Receipt,
  worker: ParserWorker,
  folders: IntakeFolders,
  failed: string[],
): Promise<SubmissionOutcome | undefined> {
  const def = o.definition;
  try {
    const decided = await decideEntry({
      db: o.db,
      definition: def,
      dir: join(o.inbox, receipt.entry),
      entry: receipt.entry,
      receipt,
      at: (o.now ?? Date.now)(),
      runId: o.runId,
      worker,
      signal: o.signal,
      validatorVersion: VALIDATOR_VERSION,
      log: o.log,
    });
    const place = decided.outcome.acceptedFiles > 0 ? 'processed' : 'quarantine';
    const decidedAt = (o.now ?? Date.now)();
    await settleEntry(folders, {
      entry: receipt.entry,
      place,
      receiptSeq: receipt.seq,
      receivedAt: receipt.receivedAt,
      decidedAt,
      outcome: decided.outcome,
      accepted: decided.accepted,
      rejections: decided.rejections,
    });
    await closeReceipt(o.db, { datanet: def.id, seq: receipt.seq, outcome: decided.outcome.status, decidedAt });
    o.log?.(`entry ${receipt.entry} (#${receipt.seq}) ${decided.outcome.status}: moved to ${place}`, {
      entry: receipt.entry,
      seq: receipt.seq,
      place,
    });
    return decided.outcome;
  } catch (e) {
    if (o.signal?.aborted) throw e;
    const message = String((e as Error).message ?? e)
      .split('\n')[0]
      .slice(0, 300);
    failed.push(`${receipt.entry}: ${message}`);
    o.log?.(`entry ${receipt.entry} could not be decided: ${message}`, { entry: receipt.entry });
    return undefined;
  }
}
