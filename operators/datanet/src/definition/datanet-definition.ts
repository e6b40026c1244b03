import { z } from 'zod';
import { INTAKE_LIMIT_FIELDS, type IntakeLimits } from '../policy/intake-limits.js';
import { ReviewPolicySchema } from './review-policy-schema.js';
import { ACCOUNTABILITY_FIELDS } from './accountability-policy-schema.js';

export const MIB = 1024 * 1024;

/** File formats intake understands; the extension (lower case, no dot) names the format. */
export const FILE_FORMATS = ['txt', 'md', 'jsonl', 'csv', 'parquet', 'pdf', 'docx'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];
/** Formats whose records are rows with named fields, checked against `recordSchema`. */
export const STRUCTURED_FORMATS: readonly FileFormat[] = ['jsonl', 'csv', 'parquet'];

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

export const RecordFieldSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a field name is letters, digits and "_", not starting with a digit'),
    required: z.boolean().default(true).describe('a record without this field (or with it empty) is rejected'),
    minLength: z.int().min(0).optional().describe('shortest accepted value, in characters'),
    maxLength: z.int().min(1).optional().describe('longest accepted value, in characters'),
    description: z.string().optional(),
  })
  .strict();

export const RecordSchemaSchema = z
  .object({
    fields: z.array(RecordFieldSchema).min(1).describe('fields of one record in .jsonl/.csv/.parquet files; other fields are ignored'),
    textFields: z
      .array(z.string())
      .min(1)
      .describe('fields joined (blank line between) into the `text` column and hashed into the contribution id'),
  })
  .strict()
  // Checked here rather than on the whole definition so they are reported with every other error.
  .superRefine((r, ctx) => {
    const names = new Set(r.fields.map((f) => f.name));
    r.textFields.forEach((t, i) => {
      if (!names.has(t))
        ctx.addIssue({
          code: 'custom',
          path: ['textFields', i],
          message: `textFields names "${t}", which is not one of the fields (${[...names].join(', ')})`,
        });
    });
    r.fields.forEach((f, i) => {
      if ((RESERVED_COLUMNS as readonly string[]).includes(f.name))
        ctx.addIssue({
          code: 'custom',
          path: ['fields', i, 'name'],
          message: `field "${f.name}" clashes with a provenance column; rename it`,
        });
    });
  });

export const LimitsSchema = z
  .object({
    dailyBytesPerContributor: z
      .int()
      .min(1)
      .default(10 * MIB)
      .describe('bytes one contributor may have accepted per day (10 MiB)'),
    filesPerSubmission: z.int().min(1).default(20).describe('a submission with more files is refused as a whole'),
    dailyBytesPerDatanet: z.int().min(1).optional().describe('bytes the whole Datanet accepts per day'),
    dailyFilesPerContributor: z.int().min(1).optional().describe('files one contributor may have accepted per day'),
    maxFileBytes: z.int().min(1).optional().describe('largest accepted file; defaults to dailyBytesPerContributor'),
    resetTimezone: z
      .string()
      .refine(isTimeZone, { error: (iss) => `"${String(iss.input)}" is not an IANA time zone (e.g. UTC, Europe/Paris)` })
      .default('UTC')
      .describe('IANA time zone whose midnight starts a new day for the daily limits'),
    ...INTAKE_LIMIT_FIELDS,
  })
  .strict();

export const StandingPolicySchema = z
  .object({
    prior: z.number().positive().default(10).describe('pseudo-count that keeps a new contributor below full standing'),
    revokePenalty: z.number().min(0).default(5).describe('weight of a revoked contribution against the accepted ones'),
  })
  .strict();

/**
 * Dedupe settings of a Datanet, read by the `dedupe.exact` and `dedupe.minhash` steps that name the
 * Datanet (`with: { datanet: ID }`). A field left out here falls to the operator's default; a field
 * the step sets in `with:` wins over this section (step, then Datanet, then operator default).
 */
export const DedupeSettingsSchema = z
  .object({
    exact: z
      .boolean()
      .default(true)
      .describe('dedupe.exact steps drop records whose normalised text hashes like an earlier one (false: they keep every record)'),
    textColumn: z.string().min(1).optional().describe('column holding the text to compare (operator default: text)'),
    near: z
      .object({
        enabled: z.boolean().default(true).describe('dedupe.minhash steps remove near duplicates (false: they keep every record)'),
        shingle: z
          .enum(['word', 'char', 'auto'])
          .optional()
          .describe(
            'shingle unit; auto: word n-grams for records of shortWords words or more, character n-grams of the structured normal form for shorter ones (operator default: auto)',
          ),
        ngram: z.int().min(1).max(64).optional().describe('units per shingle (operator default: 5)'),
        permutations: z.int().min(1).max(1024).optional().describe('MinHash permutations (operator default: 112)'),
        bands: z.int().min(1).optional().describe('LSH bands b; the implied threshold is (1/b)^(1/r) (operator default: 14)'),
        rows: z.int().min(1).optional().describe('hashes per band r (operator default: 8)'),
        shortWords: z
          .int()
          .min(1)
          .optional()
          .describe('auto shingles: records with fewer words are short, compared by character n-grams (operator default: 50)'),
        shortThreshold: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe(
            'auto shingles: record similarity a short pair needs to be a duplicate; typos, abbreviations, initials, reordering and dropped fields cost little (operator default: 0.83)',
          ),
      })
      .strict()
      .superRefine((n, ctx) => {
        if (n.bands !== undefined && n.rows !== undefined && n.permutations !== undefined && n.bands * n.rows > n.permutations) {
          ctx.addIssue({
            code: 'custom',
            path: ['bands'],
            message: `bands x rows = ${n.bands * n.rows} exceeds permutations (${n.permutations})`,
          });
        }
      })
      .default({ enabled: true }),
  })
  .strict();

export const DatanetDefinitionSchema = z
  .object({
    $schema: z.string().optional(),
    apiVersion: z.literal('datanet/v1'),
    kind: z.literal('Datanet'),
    id: z.string().regex(NAME, 'a Datanet id is lower-case letters, digits, ".", "_" or "-"'),
    title: z.string().optional(),
    domain: z.string().min(1).describe('subject area, e.g. medicine'),
    description: z.string().optional(),
    modality: z.literal('text').default('text'),
    formats: z.array(z.enum(FILE_FORMATS)).min(1).describe('accepted file extensions'),
    recordSchema: RecordSchemaSchema.optional().describe('required for structured formats (jsonl, csv, parquet)'),
    limits: LimitsSchema.prefault({}),
    minFileBytes: z.int().min(1).default(1).describe('smaller files are rejected as empty/too small'),
    quality: z
      .object({ ruleSets: z.array(z.string().min(1)).default([]).describe('named quality rule sets applied after dedupe') })
      .strict()
      .default({ ruleSets: [] }),
    dedupe: DedupeSettingsSchema.optional(),
    licences: z.array(z.string().min(1)).min(1).describe('SPDX ids of accepted licences'),
    consent: z
      .object({
        required: z
          .array(z.string().regex(/^[a-z][a-z0-9_-]*$/))
          .default([])
          .describe('consent flags every file must grant'),
      })
      .strict()
      .default({ required: [] }),
    standing: StandingPolicySchema.default({ prior: 10, revokePenalty: 5 }),
    roles: z
      .object({
        owners: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits')).default([]),
        stewards: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits')).default([]),
        reviewers: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address: 0x and 40 hex digits')).default([]),
      })
      .strict()
      .default({ owners: [], stewards: [], reviewers: [] })
      .describe('who runs the Datanet on `datanet serve` (seeded into the store at start); anyone signed in is a contributor'),
    review: ReviewPolicySchema.optional(),
    ...ACCOUNTABILITY_FIELDS,
  })
  .strict()
  .superRefine((d, ctx) => {
    const structured = d.formats.filter((f) => STRUCTURED_FORMATS.includes(f));
    if (structured.length > 0 && !d.recordSchema) {
      ctx.addIssue({
        code: 'custom',
        path: ['recordSchema'],
        message: `formats ${structured.join(', ')} need a recordSchema (fields and textFields)`,
      });
    }
    // Only the quorum may decide, and without a review queue there is none: every dispute opened
    // would stay open for good (the disputes route and `datanet dispute resolve` refuse stewards).
    if (d.disputes.resolvers === 'quorum' && !d.review) {
      ctx.addIssue({
        code: 'custom',
        path: ['disputes', 'resolvers'],
        message:
          'quorum needs a review section (the review quorum decides disputes in its queue); or let a steward decide (steward, steward-or-quorum)',
      });
    }
    // At its deadline a dispute nobody voted on gets review.decision.onDeadline. Escalated, it
    // leaves the reviewers' queue for stewards, and here no steward may decide a dispute (override
    // and the disputes route refuse them): it would stay open for good.
    if (d.disputes.resolvers === 'quorum' && d.review?.decision.onDeadline === 'escalate') {
      ctx.addIssue({
        code: 'custom',
        path: ['review', 'decision', 'onDeadline'],
        message:
          'escalate (the default) leaves what is open at the deadline to stewards, and disputes.resolvers is quorum: no steward may decide a dispute here, ' +
          'so a dispute nobody voted on would stay open for good. Choose accept (upholds it) or reject (dismisses it), or let stewards resolve disputes (steward-or-quorum)',
      });
    }
  });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Columns every accepted-records table has besides the record fields. */
export const RESERVED_COLUMNS = [
  'id',
  'datanet',
  'contributor',
  'text',
  'licence',
  'consent',
  'submitted_at',
  'receipt_seq',
  'signed_at',
  'accepted_at',
  'validator_version',
  'source_file',
  'submission_id',
  'record_index',
  'run_id',
] as const;

export type DatanetDefinition = z.output<typeof DatanetDefinitionSchema>;
export type DatanetDefinitionInput = z.input<typeof DatanetDefinitionSchema>;
// The intake limits are optional here: code that only counts daily usage may hold limits without
// them, and intake reads them through intakeLimits(), which fills in the defaults.
export type DatanetLimits = Omit<DatanetDefinition['limits'], keyof IntakeLimits> & Partial<IntakeLimits>;
export type StandingPolicy = DatanetDefinition['standing'];
export type DedupeSettings = z.output<typeof DedupeSettingsSchema>;
