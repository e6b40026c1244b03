import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ContributionRow, RejectionTableRow } from '@datanet/datanet';

/** Where decided entries go: out of the inbox, beside it, one folder per outcome. */
export interface IntakeFolders {
  inbox: string;
  /** Entries with at least one accepted file. */
  processed: string;
  /** Entries rejected as a whole (or that are not entries at all: links, FIFOs, stray files). */
  quarantine: string;
}

/** Default: `<inbox parent>/.processed/<datanet>` and `<inbox parent>/.quarantine/<datanet>`, on the inbox's filesystem (rename stays atomic). */
export function intakeFolders(inbox: string, o: { processedDir?: string; quarantineDir?: string } = {}): IntakeFolders {
  return {
    inbox,
    processed: o.processedDir ?? join(dirname(inbox), '.processed', basename(inbox)),
    quarantine: o.quarantineDir ?? join(dirname(inbox), '.quarantine', basename(inbox)),
  };
}

export type Place = 'processed' | 'quarantine';

export interface SubmissionOutcome {
  entry: string;
  id: string;
  contributor: string;
  status: 'accepted' | 'partial' | 'rejected';
  acceptedFiles: number;
  rejectedFiles: number;
  /** Receipt number: the order of arrival. */
  receiptSeq: number;
  receivedAt: number;
}

/** What intake decided about one entry; stored beside the moved entry (in .decisions/), so later runs read this instead of the entry. */
export interface EntryDecision {
  format: 'datanet-intake-decision/1';
  entry: string;
  /** Name of the entry's folder under processed/ or quarantine/. */
  storedAs: string;
  place: Place;
  receiptSeq: number;
  receivedAt: number;
  decidedAt: number;
  outcome: SubmissionOutcome;
  accepted: ContributionRow[];
  rejections: RejectionTableRow[];
}

const SUFFIX = '.decision.json';
// Decisions live in a hidden sub-folder: entry names are never hidden (intake skips those), so no
// entry, whatever its name, can take the place of a decision file.
const DECISIONS = '.decisions';

function decisionPath(folders: IntakeFolders, place: Place, storedAs: string): string {
  return join(folders[place], DECISIONS, `${storedAs}${SUFFIX}`);
}

/** The decision stored for a receipt, if the run that made it got that far. */
export async function findDecision(folders: IntakeFolders, entry: string, seq: number): Promise<EntryDecision | undefined> {
  for (const place of ['processed', 'quarantine'] as const) {
    for (const storedAs of [entry, `${entry}~${seq}`]) {
      const d = await readDecision(decisionPath(folders, place, storedAs));
      if (d && d.receiptSeq === seq && d.entry === entry) return d;
    }
  }
  return undefined;
}

async function readDecision(path: string): Promise<EntryDecision | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EntryDecision;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Stores the decision, then moves the entry out of the inbox (a rename: links are moved, never
 * followed). In that order, so a crash leaves either an undecided entry in the inbox or a decision
 * to finish moving. An entry someone else already moved (a concurrent intake) is left as it is.
 */
export async function settleEntry(folders: IntakeFolders, d: Omit<EntryDecision, 'format' | 'storedAs'>): Promise<EntryDecision> {
  const dest = folders[d.place];
  await mkdir(join(dest, DECISIONS), { recursive: true });
  const taken =
    (await exists(join(dest, d.entry))) && (await readDecision(decisionPath(folders, d.place, d.entry)))?.receiptSeq !== d.receiptSeq;
  const storedAs = taken ? `${d.entry}~${d.receiptSeq}` : d.entry;
  const decision: EntryDecision = { format: 'datanet-intake-decision/1', storedAs, ...d };
  const path = decisionPath(folders, d.place, storedAs);
  const tmp = join(dest, DECISIONS, `.tmp-${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, JSON.stringify(decision), { flag: 'wx' });
  await rename(tmp, path);
  await moveEntry(folders, d.entry, join(dest, storedAs));
  return decision;
}

/** Finishes the move of an entry whose decision is stored (after a crash between the two). */
export async function moveDecided(folders: IntakeFolders, d: EntryDecision): Promise<void> {
  await moveEntry(folders, d.entry, join(folders[d.place], d.storedAs));
}

async function moveEntry(folders: IntakeFolders, entry: string, to: string): Promise<void> {
  try {
    if (await exists(to)) await rm(to, { recursive: true, force: true });
    await rename(join(folders.inbox, entry), to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Every stored decision, in order of arrival. */
export async function readDecisions(folders: IntakeFolders): Promise<EntryDecision[]> {
  const out: EntryDecision[] = [];
  for (const place of ['processed', 'quarantine'] as const) {
    const names = await readdir(join(folders[place], DECISIONS)).catch(() => [] as string[]);
    for (const n of names) {
      if (!n.endsWith(SUFFIX) || n.startsWith('.')) continue;
      const d = await readDecision(join(folders[place], DECISIONS, n));
      if (d?.format === 'datanet-intake-decision/1') out.push(d);
    }
  }
  return out.sort((a, b) => a.receiptSeq - b.receiptSeq || a.receivedAt - b.receivedAt || (a.entry < b.entry ? -1 : 1));
}

/** Names of stored decisions (cheap: no reading), for the step's fingerprint. */
export async function decisionListing(folders: IntakeFolders): Promise<string[]> {
  const out: string[] = [];
  for (const place of ['processed', 'quarantine'] as const) {
    for (const n of await readdir(join(folders[place], DECISIONS)).catch(() => [] as string[]))
      if (n.endsWith(SUFFIX)) out.push(`${place}/${n}`);
  }
  return out.sort();
}
