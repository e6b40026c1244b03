import type { Kysely } from 'kysely';
import { treeOf } from '../settle/settle-epoch.js';
import { listSettlements, loadPayouts } from '../store/settlement-store.js';

export interface RewardStatement {
  datanet: string;
  epoch: string;
  epochNumber: string;
  index: number;
  account: string;
  amount: string;
  root: string;
  proof: string[];
}

/**
 * What a contributor needs to claim: each stored payout of the epoch (`YYYY-MM-DD@ZONE`, or a bare
 * date for every zone) with its Merkle proof, optionally for one account and one Datanet.
 */
export async function rewardStatements(
  db: Kysely<any>,
  opts: { epoch: string; datanet?: string; contributor?: string },
): Promise<RewardStatement[]> {
  const settlements = (await listSettlements(db, opts.datanet)).filter((s) =>
    opts.epoch.includes('@') ? s.epoch === opts.epoch : s.epoch.startsWith(`${opts.epoch}@`),
  );
  const out: RewardStatement[] = [];
  for (const s of settlements) {
    const payouts = await loadPayouts(db, s.datanet, s.epoch);
    const account = opts.contributor?.toLowerCase();
    // The tree costs seconds at a million leaves: build it only for an epoch that paid this account.
    if (account && !payouts.some((p) => p.account === account)) continue;
    const tree = await treeOf(s.epochNumber, payouts);
    payouts.forEach((p, i) => {
      if (account && p.account !== account) return;
      out.push({
        datanet: s.datanet,
        epoch: s.epoch,
        epochNumber: s.epochNumber.toString(),
        index: p.index,
        account: p.account,
        amount: p.amount.toString(),
        root: tree!.root,
        proof: tree!.proof(i),
      });
    });
  }
  return out;
}

export function statementsCsv(rows: RewardStatement[]): string {
  const head = 'datanet,epoch,epoch_number,index,account,amount,root,proof';
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [
    head,
    ...rows.map((r) =>
      [r.datanet, r.epoch, r.epochNumber, String(r.index), r.account, r.amount, r.root, r.proof.join(' ')].map(q).join(','),
    ),
  ].join('\n');
}
