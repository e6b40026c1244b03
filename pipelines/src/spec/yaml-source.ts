import { readFileSync, statSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ValidationError, type Diagnostic } from './diagnostic.js';

/** Largest pipeline file read: a bigger one is refused before parsing, with a clear error. */
export const MAX_PIPELINE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A YAML file parsed with positions, so any problem found later (in the schema, the graph or an
 * operator's config) can be reported at the line and column of the value it concerns.
 */
export class YamlSource {
  readonly doc: Document.Parsed;
  readonly lineCounter = new LineCounter();
  readonly value: unknown;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    // yaml's own duplicate-key check scans every earlier key of a map for each key: quadratic in
    // the number of steps (233 s on a 10 MB file). Duplicates are found here with a set per map.
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: false });
    this.duplicateKeys = findDuplicateKeys(this.doc);
    this.value = this.doc.toJS({ maxAliasCount: 100 });
  }

  /** Keys that repeat an earlier key of the same mapping: where, and in which mapping. */
  private readonly duplicateKeys: { offset: number; map: Node }[];

  static read(file: string): YamlSource {
    const size = statSync(file).size;
    if (size > MAX_PIPELINE_FILE_BYTES) {
      throw new ValidationError([
        {
          file,
          line: 1,
          col: 1,
          message: `the file is ${(size / 1048576).toFixed(1)} MiB; pipeline files are limited to ${MAX_PIPELINE_FILE_BYTES / 1048576} MiB (split it, or generate steps with foreach)`,
        },
      ]);
    }
    return new YamlSource(file, readFileSync(file, 'utf8'));
  }

  /** Syntax errors and duplicate keys, as diagnostics. */
  syntaxDiagnostics(): Diagnostic[] {
    const located = (offset: number, message: string): Diagnostic => ({ file: this.file, ...this.lineCounter.linePos(offset), message });
    return [
      ...this.doc.errors.map((e) =>
        located(e.pos[0], e.code === 'DUPLICATE_KEY' ? this.duplicateKeyMessage(e.pos[0]) : e.message.split('\n')[0]),
      ),
      ...this.duplicateKeys.map(({ offset, map }) => located(offset, this.duplicateKeyMessage(offset, map))),
    ];
  }

  private duplicateKeyMessage(offset: number, map?: Node): string {
    const key = /^[^\s:,}]+/.exec(this.text.slice(offset, offset + 200))?.[0] ?? '';
    const inSteps = this.nodeAt(['steps']);
    if (map) return map === inSteps ? `duplicate step id "${key}"` : `duplicate key "${key}"`;
    const range = inSteps && isMap(inSteps) ? inSteps.range : undefined;
    if (range && offset >= range[0] && offset <= range[2]) return `duplicate step id "${key}"`;
    return `duplicate key "${key}"`;
  }

  nodeAt(path: (string | number)[]): Node | undefined {
    const node = this.doc.getIn(path, true);
    return isNode(node) ? node : undefined;
  }

  /**
   * Location of the value at `path`, or of the nearest ancestor that exists. `key: true` points at
   * the key of a mapping entry instead of its value (for "unknown field" or "duplicate" errors).
   */
  locate(path: (string | number)[], options: { key?: boolean } = {}): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      if (options.key && n === path.length && n > 0) {
        const parent = this.nodeAt(sub.slice(0, -1));
        if (parent && isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === sub[n - 1]);
          if (pair && isNode(pair.key) && pair.key.range) return this.lineCounter.linePos(pair.key.range[0]);
        }
      }
      const node = n === 0 ? this.doc.contents : this.nodeAt(sub);
      if (node && isNode(node) && node.range) return this.lineCounter.linePos(node.range[0]);
      if (node && (isMap(node) || isSeq(node)) && node.range) return this.lineCounter.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  }

  diagnostic(path: (string | number)[], message: string, options: { key?: boolean } = {}): Diagnostic {
    return { file: this.file, ...this.locate(path, options), message };
  }
}

function findDuplicateKeys(doc: Document.Parsed): { offset: number; map: Node }[] {
  const found: { offset: number; map: Node }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key) && isNode(pair.key) && pair.key.range) found.push({ offset: pair.key.range[0], map });
        seen.add(key);
      }
    },
  });
  return found;
}
