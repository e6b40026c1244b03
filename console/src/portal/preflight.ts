/** What intake would decide about files before anything is signed, from the Datanet's rules and today's quota. */
export interface PreflightFile {
  file: File;
  problem?: string;
}

export interface PreflightRules {
  formats: string[];
  minFileBytes: number;
  filesPerSubmission: number;
  maxFileBytes?: number;
}

export interface Quota {
  bytesLeft: number;
  filesLeft: number | null;
}

// File extensions per format name in a Datanet's `formats:` list.
const EXTENSIONS: Record<string, string[]> = {
  jsonl: ['.jsonl', '.jsonl.gz', '.ndjson'],
  json: ['.json'],
  csv: ['.csv', '.csv.gz'],
  parquet: ['.parquet'],
  txt: ['.txt'],
  md: ['.md', '.markdown'],
  pdf: ['.pdf'],
  docx: ['.docx'],
};

export function formatOf(name: string, formats: string[]): string | undefined {
  const lower = name.toLowerCase();
  return formats.find((f) => (EXTENSIONS[f] ?? [`.${f}`]).some((ext) => lower.endsWith(ext)));
}

export function preflight(files: File[], rules: PreflightRules, quota: Quota | undefined) {
  const checked: PreflightFile[] = files.map((file) => {
    if (!formatOf(file.name, rules.formats))
      return { file, problem: `format not accepted: this Datanet takes ${rules.formats.join(', ')}` };
    if (file.size < rules.minFileBytes) return { file, problem: `too small: under ${rules.minFileBytes} bytes` };
    if (rules.maxFileBytes !== undefined && file.size > rules.maxFileBytes)
      return { file, problem: `too large: over ${rules.maxFileBytes.toLocaleString()} bytes per file` };
    return { file };
  });
  const seen = new Set<string>();
  for (const c of checked) {
    const key = c.file.name.normalize('NFC').toLowerCase();
    if (seen.has(key) && !c.problem) c.problem = 'the same name twice in one submission';
    seen.add(key);
  }
  const sending = checked.filter((c) => !c.problem);
  const bytes = sending.reduce((a, c) => a + c.file.size, 0);
  const blocking: string[] = [];
  if (sending.length > rules.filesPerSubmission)
    blocking.push(`${sending.length} files; one submission takes at most ${rules.filesPerSubmission}`);
  if (quota && bytes > quota.bytesLeft)
    blocking.push(`${bytes.toLocaleString()} bytes; ${quota.bytesLeft.toLocaleString()} bytes are left of today's quota`);
  if (quota && quota.filesLeft !== null && sending.length > quota.filesLeft)
    blocking.push(`${sending.length} files; ${quota.filesLeft} files are left today`);
  return { checked, sending, bytes, blocking };
}
