/**
 * The on-chain epoch number: an integer as given, or a settlement epoch day `YYYY-MM-DD[@ZONE]`
 * (or `today`/`yesterday` in UTC) as `YYYYMMDD`, the same number settlement puts in the reward leaves, so a committed epoch and
 * its claims always agree.
 */
export function epochNumber(value: string | number, now = new Date()): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (/^\d+$/.test(value)) return Number(value);
  // `today` / `yesterday` are UTC days, as settlement counts them by default.
  if (value === 'today' || value === 'yesterday') {
    const d = new Date(now.getTime() - (value === 'yesterday' ? 86_400_000 : 0));
    return Number(d.toISOString().slice(0, 10).replace(/-/g, ''));
  }
  const day = /^(\d{4})-(\d{2})-(\d{2})(@.+)?$/.exec(value);
  return day ? Number(`${day[1]}${day[2]}${day[3]}`) : undefined;
}
