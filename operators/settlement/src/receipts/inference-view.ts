import type { Kysely } from 'kysely';
import { migrateProposals } from '../proposal/proposal-migrations.js';
import { findSpan, findSpanAt, parseEvidence, type Offsets } from './span-offsets.js';

export interface InferenceView {
  datanet: string;
  epoch: string;
  inferenceId: string;
  model: string | null;
  adapter: string | null;
  fee: string;
  prompt: string | null;
  output: string | null;
  /** Each matched span once, with where it lies in the output and every contribution it matched. */
  spans: {
    text: string;
    output: Offsets;
    contributions: { contributionId: string; contributor: string; account: string; score: number; offsets: Offsets; text: string | null }[];
  }[];
  /** Contributions credited without spans (influence), with their scores. */
  influence: { contributionId: string; contributor: string; account: string; score: number; method: string }[];
}

/**
 * One inference as OLMoTrace shows it: its output with the attributed spans marked, each span
 * linked to the contributions that contain it, from the epoch's stored attribution rows.
 */
export async function inferenceView(
  db: Kysely<any>,
  req: { datanet: string; epoch: string; inferenceId: string },
): Promise<InferenceView | undefined> {
  await migrateProposals(db);
  const inf = await db
    .selectFrom('settlement_input_inferences')
    .selectAll()
    .where('datanet', '=', req.datanet)
    .where('epoch', '=', req.epoch)
    .where('inference_id', '=', req.inferenceId)
    .executeTakeFirst();
  if (!inf) return undefined;
  const rows = await db
    .selectFrom('settlement_input_attributions as a')
    .leftJoin('settlement_input_texts as t', (j) =>
      j.onRef('t.datanet', '=', 'a.datanet').onRef('t.epoch', '=', 'a.epoch').onRef('t.contribution_id', '=', 'a.contribution_id'),
    )
    .select(['a.contribution_id', 'a.contributor', 'a.account', 'a.score', 'a.evidence', 't.text'])
    .where('a.datanet', '=', req.datanet)
    .where('a.epoch', '=', req.epoch)
    .where('a.inference_id', '=', req.inferenceId)
    .orderBy('a.row')
    .execute();
  const output: string | null = inf.output ?? null;
  const spans = new Map<string, InferenceView['spans'][number]>();
  const influence: InferenceView['influence'] = [];
  for (const r of rows as Record<string, any>[]) {
    const ev = parseEvidence(r.evidence);
    const c = {
      contributionId: r.contribution_id,
      contributor: r.contributor,
      account: r.account,
      score: Number(r.score),
      text: r.text ?? null,
    };
    if (ev.kind === 'spans') {
      for (const s of ev.spans) {
        const key = `${s.start}:${s.text}`;
        const entry = spans.get(key) ?? { text: s.text, output: findSpanAt(output, s.text, s.start, s.length), contributions: [] };
        entry.contributions.push({ ...c, offsets: findSpan(c.text, s.text) });
        spans.set(key, entry);
      }
    } else influence.push({ ...c, method: ev.kind === 'influence' ? ev.method : 'unknown' });
  }
  return {
    datanet: req.datanet,
    epoch: req.epoch,
    inferenceId: req.inferenceId,
    model: inf.model ?? null,
    adapter: inf.adapter ?? null,
    fee: String(inf.fee),
    prompt: inf.prompt ?? null,
    output,
    spans: [...spans.values()].sort((a, b) => (a.output?.[0] ?? Infinity) - (b.output?.[0] ?? Infinity)),
    influence,
  };
}
