import { readFileSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isNode, isScalar } from 'yaml';
import type { z } from 'zod';
import { DatanetDefinitionSchema, type DatanetDefinition } from './datanet-definition.js';

export interface DefinitionIssue {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** A Datanet YAML that does not parse or validate; `message` lists every issue as `file:line:col: message`. */
export class DatanetDefinitionError extends Error {
  override name = 'DatanetDefinitionError';
  constructor(readonly issues: DefinitionIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`).join('\n'));
  }
}

/** Parses and validates a Datanet definition from YAML text, reporting every issue at once. */
export function parseDatanetYaml(text: string, file = '<datanet>'): DatanetDefinition {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (doc.errors.length > 0) {
    throw new DatanetDefinitionError(doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: e.message.split('\n')[0] })));
  }
  const parsed = DatanetDefinitionSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  throw new DatanetDefinitionError(parsed.error.issues.map((issue) => ({ file, ...at(offsetOf(doc, issue)), message: describe(issue) })));
}

/** Loads `configs/datanets/<id>.yaml`-style files. */
export function loadDatanetDefinition(path: string): DatanetDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read Datanet definition ${path}: ${(e as Error).message}`);
  }
  return parseDatanetYaml(text, path);
}

/**
 * Finds a Datanet definition given a path (`.yaml`/`.yml`, relative to `baseDir`) or an id, looked
 * up as `<id>.yaml` in `configs/datanets/` beside or above `baseDir`, then under the working folder.
 */
export function resolveDatanetPath(ref: string, baseDir = process.cwd()): string {
  if (/\.ya?ml$/i.test(ref)) return isAbsolute(ref) ? ref : resolve(baseDir, ref);
  const tried: string[] = [];
  let dir = resolve(baseDir);
  for (;;) {
    for (const candidate of [join(dir, 'configs', 'datanets', `${ref}.yaml`), join(dir, 'datanets', `${ref}.yaml`)]) {
      tried.push(candidate);
      if (existsSync(candidate)) return candidate;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const fromCwd = join(process.cwd(), 'configs', 'datanets', `${ref}.yaml`);
  if (existsSync(fromCwd)) return fromCwd;
  throw new Error(`no definition for Datanet "${ref}": looked for ${tried.slice(0, 4).join(', ')}... ; pass a path to its YAML file`);
}

function offsetOf(doc: ReturnType<typeof parseDocument>, issue: z.core.$ZodIssue): number {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const map = path.length ? doc.getIn(path, true) : doc.contents;
    if (isMap(map)) {
      const pair = map.items.find((p) => isScalar(p.key) && p.key.value === issue.keys[0]);
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    }
  }
  // Walk up the path until a node exists: a missing key points at its parent mapping.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : 'document';
  if (issue.code === 'unrecognized_keys') return `${where}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where}: ${issue.message}`;
}
