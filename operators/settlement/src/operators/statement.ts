import type { Kysely } from 'kysely';
import type { SettleResult } from '../settle/settle-epoch.js';
import { checkLedger } from '../store/settlement-store.js';

/** A decimal rendering of base units, e.g. 1234500000000000000n with 18 decimals -> "1.2345". */
export function formatUnits(amount: bigint, decimals: number): string {
  const neg = amount < 0n;
  const s = (neg ? -amount : amount).toString().padStart(decimals + 1, '0');
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}

export async function statementOf(db: Kysely<any>, result: SettleResult, token: { symbol: string; decimals: number }) {
  const s = result.settlement;
  const ledger = await checkLedger(db, s.datanet, s.epoch);
  const top = [...result.payouts].sort((a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : a.index - b.index)).slice(0, 100);
  return {
    datanet: s.datanet,
    epoch: s.epoch,
    epochNumber: s.epochNumber.toString(),
    status: s.status,
    newlySettled: result.created,
    token,
    fees: s.fees.toString(),
    split: Object.fromEntries(Object.entries(s.split).map(([k, v]) => [k, v.toString()])),
    paid: s.paid.toString(),
    unallocated: s.unallocated.toString(),
    payoutCount: s.payoutCount,
    merkleRoot: s.merkleRoot,
    ledger: {
      balanced: ledger.unbalanced.length === 0 && ledger.total === 0n && ledger.poolBalance === 0n,
      unbalanced: ledger.unbalanced,
      poolBalance: ledger.poolBalance.toString(),
    },
    topPayouts: top.map((p) => ({
      index: p.index,
      account: p.account,
      amount: p.amount.toString(),
      display: `${formatUnits(p.amount, token.decimals)} ${token.symbol}`,
    })),
  };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function renderStatementHtml(st: Awaited<ReturnType<typeof statementOf>>): string {
  const d = (v: string) => `${formatUnits(BigInt(v), st.token.decimals)} ${esc(st.token.symbol)}`;
  const rows = st.topPayouts
    .map((p) => `<tr><td>${p.index}</td><td><code>${esc(p.account)}</code></td><td>${esc(p.display)}</td></tr>`)
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>Settlement ${esc(st.datanet)} ${esc(st.epoch)}</title>
<h1>Settlement of ${esc(st.datanet)}, epoch ${esc(st.epoch)}</h1>
<p>Fees ${d(st.fees)}: platform ${d(st.split.platform)}, model owner ${d(st.split.modelOwner)}, stakers ${d(st.split.stakers)}, contributors ${d(st.split.contributors)}.</p>
<p>Paid ${d(st.paid)} to ${st.payoutCount} accounts; unallocated ${d(st.unallocated)}. Ledger ${st.ledger.balanced ? 'balanced' : 'NOT balanced'}. Reward root <code>${esc(st.merkleRoot ?? 'none')}</code>.</p>
<table><thead><tr><th>index</th><th>account</th><th>amount</th></tr></thead><tbody>${rows}</tbody></table>`;
}
