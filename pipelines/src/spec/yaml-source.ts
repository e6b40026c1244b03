import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostic.js';

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
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
    this.value = this.doc.toJS({ maxAliasCount: 100 });
  }

  static read(file: string): YamlSource {
    return new YamlSource(file, readFileSync(file, 'utf8'));
  }

  /** Syntax errors and duplicate keys, as diagnostics. */
  syntaxDiagnostics(): Diagnostic[] {
    return this.doc.errors.map((e) => {
      const { line, col } = this.lineCounter.linePos(e.pos[0]);
      const message = e.code === 'DUPLICATE_KEY' ? this.duplicateKeyMessage(e.pos[0]) : e.message.split('\n')[0];
      return { file: this.file, line, col, message };
    });
  }

  private duplicateKeyMessage(offset: number): string {
    const key = /^[^\s:]+/.exec(this.text.slice(offset))?.[0] ?? '';
    const inSteps = this.nodeAt(['steps']);
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
