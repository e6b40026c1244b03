/**
 * A settlement epoch: one calendar day in an explicit IANA time zone, named `YYYY-MM-DD@ZONE`
 * (e.g. `2026-11-24@UTC`, `2026-11-24@Europe/Paris`). It covers [startMs, endMs), which is 23 or
 * 25 hours on daylight-saving days. `number` (YYYYMMDD) is the uint256 epoch of reward leaves and
 * on-chain commits. The zone is named canonically in `id` (`2026-11-24@utc` is `2026-11-24@UTC`).
 */
export interface Epoch {
  id: string;
  date: string;
  timezone: string;
  startMs: number;
  endMs: number;
  number: bigint;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Every spelling of UTC names one zone; ICU resolves most of them to "UTC" already, this keeps the
// key stable where a runtime returns the spelling it was given instead.
const UTC_ALIASES = /^(etc\/)?(utc|uct|gmt|gmt[+-]?0|universal|zulu|greenwich)$/i;
const canonical = new Map<string, string>();

/**
 * The one spelling of a zone (`utc`, `Etc/UTC`, `GMT` -> `UTC`; `europe/paris` -> `Europe/Paris`;
 * links to their target), so one day in one zone is one epoch id: settlements are keyed by it.
 */
export function canonicalZone(timezone: string): string {
  let c = canonical.get(timezone);
  if (c === undefined) {
    try {
      c = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
    } catch {
      throw new Error(`time zone "${timezone}" is not an IANA zone name; use e.g. "UTC" or "Europe/Paris"`);
    }
    if (UTC_ALIASES.test(c)) c = 'UTC';
    // Spellings come from requests too (any mix of case): the memory of them stays bounded.
    if (canonical.size >= 4096) canonical.clear();
    canonical.set(timezone, c);
  }
  return c;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(timezone: string, ms: number): number[] {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return [+p.year, +p.month, +p.day, +p.hour, +p.minute, +p.second];
}

/** Offset of the zone from UTC at instant `ms`, in ms (positive east of Greenwich). */
function offsetAt(timezone: string, ms: number): number {
  const [y, mo, d, h, mi, s] = partsIn(timezone, ms);
  return Date.UTC(y, mo - 1, d, h, mi, s) - (ms - (((ms % 1000) + 1000) % 1000));
}

/** First instant of local midnight of y-m-d in the zone. */
function localMidnight(timezone: string, y: number, m: number, d: number): number {
  const wall = Date.UTC(y, m - 1, d);
  // Two passes settle the offset even when midnight is near a transition.
  let t = wall - offsetAt(timezone, wall);
  t = wall - offsetAt(timezone, t);
  return t;
}

export function epochOfDate(date: string, timezone: string): Epoch {
  const m = DATE.exec(date);
  if (!m) throw new Error(`epoch date "${date}" must be YYYY-MM-DD`);
  timezone = canonicalZone(timezone);
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) throw new Error(`epoch date "${date}" is not a calendar day`);
  const next = new Date(Date.UTC(y, mo - 1, d + 1));
  return {
    id: `${date}@${timezone}`,
    date,
    timezone,
    startMs: localMidnight(timezone, y, mo, d),
    endMs: localMidnight(timezone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()),
    number: BigInt(y * 10_000 + mo * 100 + d),
  };
}

/** Parses `YYYY-MM-DD@ZONE`, or `YYYY-MM-DD` with `defaultZone`; the id it returns names the zone canonically. */
export function parseEpoch(id: string, defaultZone?: string): Epoch {
  const at = id.indexOf('@');
  if (at < 0) {
    if (!defaultZone) throw new Error(`epoch "${id}" has no time zone: write it as YYYY-MM-DD@ZONE, e.g. ${id}@UTC`);
    return epochOfDate(id, defaultZone);
  }
  return epochOfDate(id.slice(0, at), id.slice(at + 1));
}

/** The epoch (day in `timezone`) that contains instant `ms`. */
export function epochAt(ms: number, timezone: string): Epoch {
  timezone = canonicalZone(timezone);
  const [y, mo, d] = partsIn(timezone, ms);
  return epochOfDate(`${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`, timezone);
}
