import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';

/**
 * Reads a YAML config file (a rule set, a check suite) and validates it, naming the file, line,
 * column and field of the first mistake so the user can go straight to it.
 */
export async function loadYamlFile<S extends z.ZodType>(
  path: string,
  baseDir: string,
  schema: S,
  what: string,
): Promise<{ source: string; spec: z.output<S> }> {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${what} ${file} cannot be read (relative paths are resolved against the pipeline's folder ${baseDir})`);
  }
  const { LineCounter, parseDocument } = await import('yaml');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = lines.linePos(e.pos[0]);
    throw new Error(`${file}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    let node: { range?: [number, number] } | undefined;
    for (let k = path.length; k >= 0 && !node?.range; k--) node = doc.getIn(path.slice(0, k), true) as typeof node;
    const at = node?.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
    throw new Error(`${file}:${at.line}:${at.col}: ${path.join('.') || '(root)'}: ${issue.message}`);
  }
  return { source: file, spec: parsed.data };
}
