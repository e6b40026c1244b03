/** The day a daily limit counts in, and when it resets, in the Datanet's reset time zone. */
export interface DailyWindow {
  /** `YYYY-MM-DD` in the time zone. */
  day: string;
  /** Milliseconds since the epoch of the next local midnight. */
  resetsAt: number;
}

// The last window computed per zone, and the instant it was computed for: it holds for every
// instant from there to its reset (no local midnight lies between), so the formatting is done
// once a day per zone rather than on every upload and decision.
const lastWindow = new Map<string, { from: number; window: DailyWindow }>();

export function dailyWindow(now: number, timeZone = 'UTC'): DailyWindow {
  const last = lastWindow.get(timeZone);
  if (last && now >= last.from && now < last.window.resetsAt) return { ...last.window };
  const window = computeWindow(now, timeZone);
  lastWindow.set(timeZone, { from: now, window });
  return { ...window };
}

function computeWindow(now: number, timeZone: string): DailyWindow {
  const { y, m, d } = localDate(now, timeZone);
  const day = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  // Next local midnight: start from UTC midnight of the next date and correct by the zone's offset
  // there (twice, so a DST change on that night lands on the right instant).
  let guess = Date.UTC(y, m - 1, d + 1);
  for (let i = 0; i < 2; i++) guess = Date.UTC(y, m - 1, d + 1) - offsetMs(guess, timeZone);
  return { day, resetsAt: guess };
}

// Building an Intl.DateTimeFormat costs far more than using one: every upload and intake decision asks.
const formats = new Map<string, Intl.DateTimeFormat>();
function format(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formats.get(key);
  if (!f) formats.set(key, (f = make()));
  return f;
}

function localDate(at: number, timeZone: string) {
  const parts = format(
    `date:${timeZone}`,
    () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  ).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

/** Offset of the zone from UTC at an instant (local minus UTC), in ms. */
function offsetMs(at: number, timeZone: string): number {
  const parts = format(
    `offset:${timeZone}`,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
  ).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(at / 1000) * 1000;
}
