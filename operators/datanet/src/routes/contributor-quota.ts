import type { Kysely } from 'kysely';
import type { DatanetLimits } from '../definition/datanet-definition.js';
import { dailyWindow } from '../policy/daily-window.js';
import { usage } from '../registry/daily-usage.js';
import { pendingUploads } from '../registry/upload-reservations.js';

/** The daily limits a contributor's bytes are counted against. */
export type BytesLimit = 'dailyBytesPerContributor' | 'dailyBytesPerDatanet';

export interface QuotaLeft {
  day: string;
  bytesUsed: number;
  /** The bytes the next upload may still take today: the smaller of the contributor's and the Datanet's. */
  bytesLeft: number;
  /** Which limit bytesLeft is left of. */
  bytesLimit: BytesLimit;
  /** Left today of the Datanet-wide cap, for all its contributors together; null without one. */
  datanetBytesLeft: number | null;
  filesUsed: number;
  filesLeft: number | null;
  resetsAt: string;
}

/**
 * What a contributor may still send today, counted as an upload's admission counts it
 * (datanet_reserve_upload): intake's counters for the day plus the uploads reserved or received
 * and not decided yet, against the contributor's bytes and files and, when the Datanet has one,
 * the Datanet-wide daily byte cap, which every contributor's uploads share.
 */
export async function quotaLeft(
  db: Kysely<any>,
  datanet: string,
  contributor: string,
  limits: DatanetLimits,
  now: number,
): Promise<QuotaLeft> {
  const { day, resetsAt } = dailyWindow(now, limits.resetTimezone);
  const decided = await usage(db, datanet, contributor, day);
  const pending = await pendingUploads(db, datanet, contributor, day, now);
  const used = { bytes: decided.bytes + pending.bytes, files: decided.files + pending.files };
  const mine = Math.max(0, limits.dailyBytesPerContributor - used.bytes);
  let datanetBytesLeft: number | null = null;
  if (limits.dailyBytesPerDatanet !== undefined) {
    // '*' is the whole Datanet's counter (reserveDailyUsage); pending uploads of every contributor.
    const all = await usage(db, datanet, '*', day);
    const allPending = await pendingUploads(db, datanet, undefined, day, now);
    datanetBytesLeft = Math.max(0, limits.dailyBytesPerDatanet - all.bytes - allPending.bytes);
  }
  const datanetBinds = datanetBytesLeft !== null && datanetBytesLeft < mine;
  return {
    day,
    bytesUsed: used.bytes,
    bytesLeft: datanetBinds ? datanetBytesLeft! : mine,
    bytesLimit: datanetBinds ? 'dailyBytesPerDatanet' : 'dailyBytesPerContributor',
    datanetBytesLeft,
    filesUsed: used.files,
    filesLeft: limits.dailyFilesPerContributor === undefined ? null : Math.max(0, limits.dailyFilesPerContributor - used.files),
    resetsAt: new Date(resetsAt).toISOString(),
  };
}
