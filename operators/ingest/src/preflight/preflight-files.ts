import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { intakeLimits, type DatanetDefinition } from '@datanet/datanet';
import { describeFailure, evaluateQuality, loadRuleSetFile, resolveRules, RULES_BY_NAME, type ActiveRule } from '@datanet/quality';
import type { SubmittedFile } from '../signing/submission-manifest.js';
import { contributionId } from '../intake/contribution-id.js';
import { ParserWorker } from '../intake/parse-in-worker.js';
import { validateFile } from '../intake/validate-file.js';
import { collisionKey, unsafeNameReason } from '../validate/safe-name.js';

export interface PreflightRecord {
  index: number;
  where: string;
  decision: 'accepted' | 'rejected';
  reasonCode: string | null;
  message: string | null;
  duplicateOf: string | null;
  /** Quality rules the record fails (the quality step runs after intake and removes it). */
  quality: { rule: string; message: string }[];
}

export interface PreflightFile {
  name: string;
  size: number;
  decision: 'accepted' | 'rejected';
  reasonCode: string | null;
  message: string | null;
  records: PreflightRecord[];
}

/**
 * What intake would decide for these files, and why, with nothing signed or stored: the terms,
 * format, size, magic bytes, UTF-8, parse limits and record schema (intake's own validateFile, in
 * its parser process), exact duplicates of accepted contributions or of earlier records here, and
 * the Datanet's quality rules. Near duplicates are judged later, by the dedupe step.
 */
export async function preflightFiles(o: {
  db: Kysely<any>;
  def: DatanetDefinition;
  configRoot: string;
  dir: string;
  files: SubmittedFile[];
}): Promise<PreflightFile[]> {
  const { def } = o;
  const rules = await qualityRules(def, o.configRoot);
  const worker = new ParserWorker(intakeLimits(def.limits));
  const out: PreflightFile[] = [];
  const seen = new Map<string, string>();
  const keys = new Set<string>();
  try {
    for (const file of o.files) {
      const unsafe = unsafeNameReason(file.name);
      const base = { name: file.name, size: file.size, records: [] as PreflightRecord[] };
      if (unsafe) {
        out.push({ ...base, decision: 'rejected', reasonCode: 'unsafe_name', message: unsafe });
        continue;
      }
      const key = collisionKey(file.name);
      if (keys.has(key)) {
        out.push({
          ...base,
          decision: 'rejected',
          reasonCode: 'name_collision',
          message: 'the name equals an earlier one up to case or Unicode form',
        });
        continue;
      }
      keys.add(key);
      const check = await validateFile(def, o.dir, file, worker);
      if (!check.ok) {
        out.push({ ...base, decision: 'rejected', reasonCode: check.reasonCode, message: check.message });
        continue;
      }
      const ids = check.records.map((r) =>
        contributionId(
          def.recordSchema && Object.keys(r.fields).length > 0 ? def.recordSchema.textFields.map((t) => r.fields[t] ?? '') : [r.text],
        ),
      );
      const known = await acceptedAmong(o.db, def.id, ids);
      const quality = evaluateQuality(
        check.records.map((r) => r.text),
        rules,
      );
      const records = check.records.map((r, index): PreflightRecord => {
        const failing = quality.failed[index].map((name) => {
          const k = rules.findIndex((a) => a.rule.name === name);
          return { rule: name, message: describeFailure(rules[k].rule, quality.values[k][index], rules[k].threshold) };
        });
        const id = ids[index];
        const earlier = known.get(id) ?? seen.get(id);
        if (earlier)
          return {
            index,
            where: r.where,
            decision: 'rejected',
            reasonCode: 'duplicate_record',
            message: `${r.where}: identical (after normalisation) to ${known.has(id) ? `accepted contribution ${id.slice(0, 16)}` : earlier}; the earliest keeps the credit`,
            duplicateOf: id,
            quality: failing,
          };
        seen.set(id, `${file.name} ${r.where}`);
        return { index, where: r.where, decision: 'accepted', reasonCode: null, message: null, duplicateOf: null, quality: failing };
      });
      out.push({ ...base, decision: 'accepted', reasonCode: null, message: null, records });
    }
  } finally {
    await worker.close();
  }
  return out;
}

/** The Datanet's quality rules: configs/quality/ID.yaml when there is one, else its named rule families. */
async function qualityRules(def: DatanetDefinition, configRoot: string): Promise<ActiveRule[]> {
  const file = join(configRoot, 'configs', 'quality', `${def.id}.yaml`);
  if (existsSync(file)) return resolveRules([await loadRuleSetFile(file, configRoot)]);
  // "gopher-quality" names the gopher family, "gopher-repetition" gopher_repetition.
  const families = def.quality.ruleSets.map((n) => n.replace(/-quality$/, '').replace(/-/g, '_'));
  const known = new Set([...RULES_BY_NAME.values()].map((r) => r.family as string));
  return resolveRules([{ source: `Datanet ${def.id}`, spec: { presets: families.filter((f) => known.has(f)) as never } }]);
}

async function acceptedAmong(db: Kysely<any>, datanet: string, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .selectFrom('contributions')
      .select(['id', 'contributor'])
      .where('datanet', '=', datanet)
      .where('id', 'in', ids.slice(i, i + 1000))
      .execute();
    for (const r of rows) out.set(r.id, r.contributor);
  }
  return out;
}
