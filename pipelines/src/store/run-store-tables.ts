import type { ColumnType, Generated } from 'kysely';
import type { RunStatus, StepPhase, StepStatus } from './statuses.js';

/**
 * The engine's tables as kysely sees them (migrations 0001-0002). int8 columns read back as a
 * number (PGlite, and pg with the parser open-database installs) and are written as numbers;
 * jsonb columns are written as JSON text and read back parsed (or as text: the store normalises).
 */
type Int8 = ColumnType<number, number, number>;
type Json = ColumnType<unknown, string, string>;

export interface RunsTable {
  id: string;
  pipeline: string;
  file: string;
  spec_yaml: string;
  params: Json;
  options: Json;
  status: RunStatus;
  executor: string;
  error: string | null;
  created_at: Int8;
  started_at: Int8 | null;
  finished_at: Int8 | null;
  heartbeat_at: Int8 | null;
}

export interface StepsTable {
  run_id: string;
  step_id: string;
  partition: Generated<string>;
  status: StepStatus;
  reason: string | null;
  cache_key: string | null;
  cached: Generated<boolean>;
  attempts: Generated<number>;
  pool: Generated<string>;
  outputs: Json | null;
  error: string | null;
  worker: string | null;
  started_at: Int8 | null;
  finished_at: Int8 | null;
  duration_ms: Int8 | null;
  // distributed (0002)
  pending_deps: number | null;
  job_id: string | null;
  lease_until: Int8 | null;
  heartbeat_at: Int8 | null;
  takeovers: Generated<number>;
  phase: StepPhase | null;
  part_index: number | null;
  pending_parts: number | null;
  task: Json | null;
}

export interface AttemptsTable {
  run_id: string;
  step_id: string;
  partition: Generated<string>;
  attempt: number;
  status: StepStatus;
  worker: string | null;
  error: string | null;
  started_at: Int8;
  finished_at: Int8 | null;
}

export interface EventsTable {
  id: Generated<number>;
  run_id: string;
  step_id: string | null;
  ts: Int8;
  level: string;
  type: string;
  message: string;
  fields: Json | null;
}

export interface ArtifactsTable {
  digest: string;
  kind: string;
  path: string;
  bytes: Int8 | null;
  meta: Json;
  created_at: Int8;
}

export interface CacheEntriesTable {
  key: string;
  operator: string;
  outputs: Json;
  run_id: string;
  step_id: string;
  created_at: Int8;
}

export interface ScheduleTicksTable {
  pipeline: string;
  tick: Int8;
  run_id: string | null;
  fired_by: string;
  fired_at: Int8;
}

export interface DispatchOutboxTable {
  id: Generated<number>;
  job_id: string;
  run_id: string;
  step_id: string;
  partition: string;
  attempt: number;
  kind: 'step' | 'gather';
  pool: string;
  not_before: Int8;
  created_at: Int8;
  sent_at: Int8 | null;
}

/** The run store's database: `Kysely<RunStoreDb>`. */
export interface RunStoreDb {
  runs: RunsTable;
  steps: StepsTable;
  attempts: AttemptsTable;
  events: EventsTable;
  artifacts: ArtifactsTable;
  cache_entries: CacheEntriesTable;
  schedule_ticks: ScheduleTicksTable;
  dispatch_outbox: DispatchOutboxTable;
}
