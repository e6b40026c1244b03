import type { Kysely } from 'kysely';
import type { Epoch } from '../core/epoch.js';
import { toAccounts, type EpochInputFiles } from '../settle/epoch-inputs.js';
import {
  appendEpochInputs,
  capturedInferenceIds,
  loadEpochInputs,
  recordEpochInputs,
  type AttributionRow,
  type EpochInputRows,
  type InferenceRow,
} from './epoch-input-rows.js';

export interface CaptureRequest {
  datanet: string;
  epoch: Epoch;
  files: EpochInputFiles & {
    /** Optional dataset version (Parquet with contribution_id and text, or prompt + response) for receipts' highlighting. */
    dataset?: string;
  };
  accounts: Record<string, string>;
  method: string;
  methodVersion: string;
  runId?: string | null;
}

export interface CaptureResult {
  /** This call captured the epoch's inputs (false: an earlier run had). */
  captured: boolean;
  /** Inferences of the epoch in the files that the earlier capture lacked, added while it was only proposed. */
  lateAdded: number;
  /** Such inferences found after the epoch was recorded (paid): not paid, not added. */
  lateUnpaid?: { count: number; fees: bigint; inferenceIds: string[] };
}

/**
 * Captures an epoch's settlement inputs from the Parquet files of the upstream steps: the epoch's
 * inferences (fee, time, model, adapter, output), their attribution rows (mapped to payout
 * accounts), the standing table and the texts of the attributed contributions. When they were
 * captured before (a resumed run, or `today` settled again later the same day), the files'
 * inferences of the epoch that the capture lacks are added while the epoch is only proposed (it is
 * then re-proposed with them); once it is final they are reported as `lateUnpaid`, never paid twice.
 */
export async function captureEpochFiles(db: Kysely<any>, req: CaptureRequest): Promise<CaptureResult> {
  if (await loadEpochInputs(db, req.datanet, req.epoch.id)) {
    const rows = await readEpochRows(req);
    const have = await capturedInferenceIds(db, req.datanet, req.epoch.id);
    const late = rows.inferences.filter((r) => !have.has(r.inferenceId));
    if (!late.length) return { captured: false, lateAdded: 0 };
    const { added, settled } = await appendEpochInputs(db, { datanet: req.datanet, epoch: req.epoch, ...rows });
    if (!settled) return { captured: false, lateAdded: added };
    return {
      captured: false,
      lateAdded: 0,
      lateUnpaid: { count: late.length, fees: late.reduce((n, r) => n + r.fee, 0n), inferenceIds: late.map((r) => r.inferenceId) },
    };
  }
  const rows = await readEpochRows(req);
  return {
    captured: await recordEpochInputs(db, {
      datanet: req.datanet,
      epoch: req.epoch,
      ...rows,
      methodVersion: req.methodVersion,
      runId: req.runId,
    }),
    lateAdded: 0,
  };
}

/** The epoch's rows as the files hold them now. */
async function readEpochRows(req: CaptureRequest): Promise<Omit<EpochInputRows, 'datanet' | 'epoch' | 'methodVersion'>> {
  const { withDuckDb, sqlString } = await import('@datanet/connector-duckdb');
  const read = await withDuckDb(async (d) => {
    const cols = async (file: string) =>
      new Set((await d.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).map((r) => r.column_name));
    const inf = `read_parquet(${sqlString(req.files.inferences)})`;
    const ic = await cols(req.files.inferences);
    const types = new Map(
      (await d.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${inf}`)).map((r) => [
        r.column_name,
        r.column_type,
      ]),
    );
    const t = types.get('time') ?? '';
    const ms = /^TIMESTAMP|^DATE/.test(t) ? 'epoch_ms(time::TIMESTAMPTZ)' : 'time::BIGINT';
    const opt = (c: string, as = c) => (ic.has(c) ? `${c}::VARCHAR AS ${as}` : `NULL AS ${as}`);
    const inferences = await d.all<Record<string, string | null>>(
      `SELECT inference_id::VARCHAR AS inference_id, fee::VARCHAR AS fee, (${ms})::VARCHAR AS time, ${opt('model')}, ${opt('adapter_digest', 'adapter')}, ${opt('prompt')}, ${opt('output')}
         FROM ${inf} WHERE ${ms} >= ${req.epoch.startMs} AND ${ms} < ${req.epoch.endMs} ORDER BY inference_id`,
    );
    const ac = await cols(req.files.attributions);
    const attributions = await d.all<Record<string, string | number | null>>(
      `SELECT a.inference_id::VARCHAR AS inference_id, a.contribution_id::VARCHAR AS contribution_id, a.contributor::VARCHAR AS contributor,
              a.score::DOUBLE AS score, ${ac.has('evidence') ? 'a.evidence::VARCHAR' : 'NULL'} AS evidence
         FROM read_parquet(${sqlString(req.files.attributions)}) a
        WHERE a.contributor IS NOT NULL AND a.inference_id IN (SELECT inference_id FROM ${inf} WHERE ${ms} >= ${req.epoch.startMs} AND ${ms} < ${req.epoch.endMs})
        ORDER BY a.inference_id, a.contribution_id, a.contributor`,
    );
    if (req.files.standing) {
      const sc = await cols(req.files.standing);
      if (!sc.has('contributor') || !sc.has('standing'))
        throw new Error(
          `standing table ${req.files.standing} needs columns contributor and standing (it has: ${[...sc].join(', ')}); check which output is wired to the standing input`,
        );
    }
    const standing = req.files.standing
      ? await d.all<{ contributor: string; standing: number }>(
          `SELECT contributor::VARCHAR AS contributor, standing::DOUBLE AS standing FROM read_parquet(${sqlString(req.files.standing)})`,
        )
      : [];
    let texts: { contribution_id: string; text: string }[] = [];
    if (req.files.dataset) {
      const dc = await cols(req.files.dataset);
      const text = dc.has('text') ? 'text' : dc.has('response') ? `concat_ws(chr(10), prompt, response)` : undefined;
      if (text && dc.has('contribution_id'))
        texts = await d.all(
          `SELECT contribution_id::VARCHAR AS contribution_id, any_value(${text})::VARCHAR AS text FROM read_parquet(${sqlString(req.files.dataset)})
            WHERE contribution_id IN (SELECT contribution_id FROM read_parquet(${sqlString(req.files.attributions)})) GROUP BY contribution_id`,
        );
    }
    return { inferences, attributions, standing, texts };
  });
  // Each attribution contributor is paid at its account (the same mapping the payout uses).
  const names = [...new Set(read.attributions.map((a) => String(a.contributor)))].sort();
  const mapped = toAccounts(
    names.map((contributor) => ({ contributor, attribution: 0 })),
    req.accounts,
  );
  const accountOf = new Map(names.map((n, i) => [n, mapped[i].account]));
  const inferences: InferenceRow[] = read.inferences.map((r) => {
    if (!/^[0-9]+$/.test(String(r.fee)))
      throw new Error(`inference ${r.inference_id} (fee "${r.fee}"): fee must be a non-negative integer in token base units`);
    return {
      inferenceId: r.inference_id!,
      fee: BigInt(r.fee!),
      time: Number(r.time),
      model: r.model,
      adapter: r.adapter,
      prompt: r.prompt,
      output: r.output,
    };
  });
  const attributions: AttributionRow[] = read.attributions.map((a) => ({
    inferenceId: String(a.inference_id),
    contributionId: String(a.contribution_id),
    contributor: String(a.contributor),
    account: accountOf.get(String(a.contributor))!,
    score: Number(a.score),
    evidence: a.evidence === null ? null : String(a.evidence),
  }));
  // The method as the evidence shows it (spans: a list of matched spans; influence: {method, influence}).
  const sample = attributions.find((a) => a.evidence)?.evidence;
  let method = req.method;
  try {
    const ev = sample ? (JSON.parse(sample) as unknown) : undefined;
    if (Array.isArray(ev)) method = 'attribution.spans (maximal matching spans, words-v1 tokens)';
    else if (ev && typeof ev === 'object' && 'method' in ev)
      method = `attribution.influence (${String((ev as { method: unknown }).method)})`;
  } catch {
    // Evidence that is not JSON leaves the method as the step named it.
  }
  return {
    inferences,
    attributions,
    standing: read.standing,
    texts: read.texts.map((t) => ({ contributionId: t.contribution_id, text: t.text })),
    method,
  };
}
