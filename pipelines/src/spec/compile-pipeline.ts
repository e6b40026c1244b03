import { dirname, resolve } from 'node:path';
import { checkSchemaCompatibility } from '../artifact/table-schema.js';
import { resolvePortSchema, type OperatorDefinition } from '../operator/define-operator.js';
import { loadOperators, PluginLoadError, type OperatorRegistry } from '../operator/operator-registry.js';
import { didYouMean, type Diagnostic } from './diagnostic.js';
import { escapeReferences, findReferences, interpolate, KEEP } from './interpolate.js';
import { configIssues } from './operator-config.js';
import { parseDuration, PipelineSpecSchema, retryPolicy, type PipelineSpec, type RetryPolicy, type StepSpec } from './pipeline-spec.js';
import { YamlSource } from './yaml-source.js';

export interface WiredInput {
  step: string;
  output: string;
}

export interface StepNode {
  id: string;
  op: OperatorDefinition;
  spec: StepSpec;
  /** `with:` after parameters (env and secret references kept as written). */
  config: Record<string, unknown>;
  /** The config as the operator parses it (defaults applied), when it parses: for port schemas. */
  parsedConfig?: unknown;
  inputs: Record<string, WiredInput>;
  /** Every upstream step, wired or ordering-only. */
  deps: string[];
  retry: RetryPolicy;
  timeoutMs?: number;
  pool: string;
  cache: boolean;
}

export interface PipelineGraph {
  file: string;
  dir: string;
  name: string;
  spec: PipelineSpec;
  params: Record<string, unknown>;
  steps: Map<string, StepNode>;
  /** Topological layers: every step's dependencies are in earlier layers. */
  layers: string[][];
  registry: OperatorRegistry;
}

export interface CompileOptions {
  params?: Record<string, string>;
  registry?: OperatorRegistry;
  /** Plugins from the profile (absolute paths or package names), loaded before the pipeline's. */
  extraPlugins?: string[];
}

export interface CompileResult {
  graph?: PipelineGraph;
  diagnostics: Diagnostic[];
}

/** Parses, checks and wires a pipeline file, reporting every problem at once. */
export async function compilePipeline(file: string, options: CompileOptions = {}): Promise<CompileResult> {
  const src = YamlSource.read(file);
  return compilePipelineSource(src, options);
}

export async function compilePipelineSource(src: YamlSource, options: CompileOptions = {}): Promise<CompileResult> {
  const diagnostics: Diagnostic[] = src.syntaxDiagnostics();
  const parsed = PipelineSpecSchema.safeParse(src.value);
  if (!parsed.success) {
    for (const issue of configIssues(parsed.error)) {
      const unknownKey = /^unknown field/.test(issue.message);
      const keys = unknownKey ? [...issue.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
      if (keys.length) {
        for (const k of keys) diagnostics.push(src.diagnostic([...issue.path, k], `unknown field "${k}"`, { key: true }));
      } else diagnostics.push(src.diagnostic(issue.path, `${issue.path.join('.') || 'file'}: ${issue.message}`));
    }
    // Keep going with what is readable, so graph errors show up in the same pass.
  }
  const raw = (parsed.success ? parsed.data : (src.value as PipelineSpec)) ?? ({} as PipelineSpec);
  const rawSteps = raw && typeof raw.steps === 'object' && raw.steps ? raw.steps : {};
  const dir = dirname(resolve(src.file));

  let registry = options.registry;
  if (!registry) {
    try {
      const own = (Array.isArray(raw.plugins) ? raw.plugins : []).map((p) => (p.startsWith('.') ? resolve(dir, p) : p));
      registry = await loadOperators([...(options.extraPlugins ?? []), ...own], dir);
    } catch (err) {
      if (!(err instanceof PluginLoadError)) throw err;
      diagnostics.push(src.diagnostic(['plugins'], err.message));
      registry = await loadOperators([], dir);
    }
  }

  const params = resolveParams(src, raw, options.params ?? {}, diagnostics);
  const steps = new Map<string, StepNode>();
  const stepIds = Object.keys(rawSteps);

  for (const id of stepIds) {
    const step = rawSteps[id] as StepSpec;
    if (!step || typeof step !== 'object') continue;
    const op = typeof step.uses === 'string' ? registry.get(step.uses) : undefined;
    if (typeof step.uses === 'string' && !op) {
      diagnostics.push(src.diagnostic(['steps', id, 'uses'], `unknown operator "${step.uses}"${didYouMean(step.uses, registry.types())}`));
    }
    for (const ref of findReferences(step.with ?? {}, ['steps', id, 'with'])) {
      if (ref.ns === 'params' && !(ref.name in params)) {
        diagnostics.push(src.diagnostic(ref.path, `unknown parameter "${ref.name}"${didYouMean(ref.name, Object.keys(params))}`));
      }
    }
    if (op) checkSqlFields(src, id, op, step.with, diagnostics);
    // One pass over what the pipeline file wrote: a parameter's value is spliced in escaped, so a
    // `${{ env.X }}` or `${{ secrets.X }}` inside it stays literal data (see interpolate.ts).
    const config = interpolate(step.with ?? {}, (ns, name) =>
      ns === 'params' ? (name in params ? escapeReferences(params[name]) : KEEP) : KEEP,
    ) as Record<string, unknown>;
    let parsedConfig: unknown;
    if (op) {
      const check = op.config.safeParse(interpolate(config, (ns, name) => (ns === 'env' ? (process.env[name] ?? KEEP) : KEEP)));
      if (check.success) parsedConfig = check.data;
      if (!check.success) {
        for (const issue of configIssues(check.error)) {
          const at = ['steps', id, 'with', ...issue.path];
          const keys = issue.message.startsWith('unknown field') ? [...issue.message.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
          if (keys.length)
            for (const k of keys)
              diagnostics.push(
                src.diagnostic([...at, k], `step "${id}": ${op.type} has no config field "${k}"${didYouMean(k, configKeys(op))}`, {
                  key: true,
                }),
              );
          else diagnostics.push(src.diagnostic(at, `step "${id}": with.${issue.path.join('.') || '(root)'}: ${issue.message}`));
        }
      }
    }
    const defaults = raw.defaults ?? {};
    steps.set(id, {
      id,
      op: op as OperatorDefinition,
      spec: step,
      config,
      parsedConfig,
      inputs: {},
      deps: [],
      retry: retryPolicy(step.retries ?? defaults.retries),
      timeoutMs: (step.timeout ?? defaults.timeout) ? parseDuration((step.timeout ?? defaults.timeout)!) : undefined,
      pool: step.pool ?? defaults.pool ?? op?.resources?.pool ?? 'cpu',
      cache: step.cache !== false && op?.cacheable !== false,
    });
  }

  for (const node of steps.values()) wireStep(src, node, steps, diagnostics);
  const cycle = findCycle(steps);
  if (cycle) {
    diagnostics.push(src.diagnostic(['steps', cycle[0], 'needs'], `cycle: ${cycle.join(' -> ')}`));
  }
  if (diagnostics.length) return { diagnostics: sortDiagnostics(diagnostics) };
  return {
    diagnostics: [],
    graph: { file: src.file, dir, name: raw.metadata.name, spec: raw, params, steps, layers: layersOf(steps), registry },
  };
}

/**
 * Parameters never become SQL text. In a config field that an operator marks as SQL
 * (`.meta({ sql: true })`), a parameter written inside the statement is refused: bind it as a
 * value instead. A field that is one whole reference (the query itself is a parameter, as in the
 * demo) is the pipeline author's choice of a parameter that is code, and stays allowed.
 */
function checkSqlFields(src: YamlSource, id: string, op: OperatorDefinition, withBlock: unknown, diagnostics: Diagnostic[]): void {
  if (!withBlock || typeof withBlock !== 'object') return;
  const shape = (op.config as unknown as { shape?: Record<string, { meta?: () => { sql?: boolean } | undefined }> }).shape ?? {};
  for (const [field, schema] of Object.entries(shape)) {
    if (!schema?.meta?.()?.sql) continue;
    const value = (withBlock as Record<string, unknown>)[field];
    if (typeof value !== 'string' || /^\$\{\{[^}]*\}\}$/.test(value.trim())) continue;
    for (const ref of findReferences(value, ['steps', id, 'with', field])) {
      if (ref.ns !== 'params') continue;
      diagnostics.push(
        src.diagnostic(
          ref.path,
          `step "${id}": parameter "${ref.name}" is pasted into SQL (with.${field}); parameters are data: write $${ref.name} in the statement and bind it with \`params: { ${ref.name}: "\${{ params.${ref.name} }}" }\``,
        ),
      );
    }
  }
}

function configKeys(op: OperatorDefinition): string[] {
  const shape = (op.config as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function resolveParams(
  src: YamlSource,
  spec: PipelineSpec,
  overrides: Record<string, string>,
  diagnostics: Diagnostic[],
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const declared = spec.parameters ?? {};
  for (const [name, def] of Object.entries(declared)) {
    if (def && typeof def === 'object') params[name] = def.default;
    else params[name] = def;
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in declared)) {
      diagnostics.push({
        file: src.file,
        line: 1,
        col: 1,
        message: `--param ${name}: the pipeline declares no parameter "${name}"${didYouMean(name, Object.keys(declared))}`,
      });
      continue;
    }
    const def = declared[name];
    const type = def && typeof def === 'object' ? def.type : typeof def;
    if (type === 'number') {
      const n = Number(value);
      if (Number.isNaN(n)) diagnostics.push({ file: src.file, line: 1, col: 1, message: `--param ${name}=${value}: expected a number` });
      params[name] = n;
    } else if (type === 'boolean') params[name] = value === 'true' || value === '1';
    else params[name] = value;
  }
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined)
      diagnostics.push(src.diagnostic(['parameters', name], `parameter "${name}" has no default: pass --param ${name}=VALUE`));
  }
  return params;
}

function parseRef(ref: string): WiredInput | { step: string; output?: undefined } {
  const dot = ref.indexOf('.');
  return dot < 0 ? { step: ref } : { step: ref.slice(0, dot), output: ref.slice(dot + 1) };
}

function wireStep(src: YamlSource, node: StepNode, steps: Map<string, StepNode>, diagnostics: Diagnostic[]): void {
  const { id, op, spec } = node;
  // Listed only for a did-you-mean: building the list for every step made validation quadratic.
  const otherIds = () => [...steps.keys()].filter((s) => s !== id);
  const deps = new Set<string>();
  const checkRef = (ref: string, at: (string | number)[]): { step: StepNode; output?: string } | undefined => {
    const { step, output } = parseRef(ref);
    const upstream = steps.get(step);
    if (!upstream) {
      diagnostics.push(src.diagnostic(at, `step "${id}" needs unknown step "${step}"${didYouMean(step, otherIds())}`));
      return undefined;
    }
    if (step === id) {
      diagnostics.push(src.diagnostic(at, `step "${id}" needs itself`));
      return undefined;
    }
    deps.add(step);
    if (output !== undefined && upstream.op && !upstream.op.outputs?.[output]) {
      const outs = Object.keys(upstream.op.outputs ?? {});
      diagnostics.push(
        src.diagnostic(
          at,
          `step "${step}" (${upstream.op.type}) has no output "${output}"${didYouMean(output, outs)}; its outputs: ${outs.join(', ') || 'none'}`,
        ),
      );
      return undefined;
    }
    return { step: upstream, output };
  };

  const explicit: { port: string; step: StepNode; output: string; at: (string | number)[] }[] = [];
  for (const [port, ref] of Object.entries(spec.inputs ?? {})) {
    const at = ['steps', id, 'inputs', port];
    if (op && !op.inputs?.[port]) {
      diagnostics.push(
        src.diagnostic(at, `${op.type} has no input "${port}"${didYouMean(port, Object.keys(op.inputs ?? {}))}`, { key: true }),
      );
      continue;
    }
    const r = checkRef(ref, at);
    if (!r) continue;
    if (r.output === undefined) {
      diagnostics.push(src.diagnostic(at, `input "${port}" must name an output: "${ref}.<output>"`));
      continue;
    }
    explicit.push({ port, step: r.step, output: r.output, at });
  }

  const fromNeeds: { step: StepNode; output?: string; at: (string | number)[] }[] = [];
  let brokenNeeds = false;
  (spec.needs ?? []).forEach((ref, i) => {
    const r = checkRef(ref, ['steps', id, 'needs', i]);
    if (r) fromNeeds.push({ ...r, at: ['steps', id, 'needs', i] });
    else brokenNeeds = true;
  });
  node.deps = [...deps];
  if (!op) return;

  const wire = (port: string, step: StepNode, output: string, at: (string | number)[]) => {
    node.inputs[port] = { step: step.id, output };
    const want = op.inputs![port];
    const have = step.op?.outputs?.[output];
    if (!have) return;
    if (have.kind !== want.kind) {
      diagnostics.push(
        src.diagnostic(at, `input "${port}" of step "${id}" takes a ${want.kind}, but ${step.id}.${output} is a ${have.kind}`),
      );
      return;
    }
    // Port schemas may depend on config (a text column's name): only a parsed config has its defaults.
    if (step.parsedConfig === undefined || node.parsedConfig === undefined) return;
    const problems = checkSchemaCompatibility(resolvePortSchema(have, step.parsedConfig), resolvePortSchema(want, node.parsedConfig));
    if (problems.length) {
      diagnostics.push(
        src.diagnostic(at, `input "${port}" of step "${id}" is incompatible with ${step.id}.${output}: ${problems.join('; ')}`),
      );
    }
  };
  for (const e of explicit) wire(e.port, e.step, e.output, e.at);

  // Ports not wired by `inputs:` take outputs from `needs`: named outputs first, in order, then
  // an upstream output with the port's own name, then the only upstream output of the right kind.
  const unwired = Object.keys(op.inputs ?? {}).filter((p) => !node.inputs[p]);
  const namedRefs = fromNeeds.filter((n) => n.output !== undefined);
  for (const port of [...unwired]) {
    const kind = op.inputs![port].kind;
    const idx = namedRefs.findIndex((n) => n.step.op?.outputs?.[n.output!]?.kind === kind);
    if (idx >= 0) {
      const [n] = namedRefs.splice(idx, 1);
      wire(port, n.step, n.output!, n.at);
      unwired.splice(unwired.indexOf(port), 1);
    }
  }
  const wholeSteps = fromNeeds.filter((n) => n.output === undefined && n.step.op);
  for (const port of unwired) {
    const kind = op.inputs![port].kind;
    const byName = wholeSteps.filter((n) => n.step.op.outputs?.[port]?.kind === kind);
    const byKind = wholeSteps.flatMap((n) =>
      Object.entries(n.step.op.outputs ?? {})
        .filter(([, p]) => p.kind === kind)
        .map(([o]) => ({ ...n, output: o })),
    );
    if (byName.length === 1) wire(port, byName[0].step, port, byName[0].at);
    else if (byKind.length === 1) wire(port, byKind[0].step, byKind[0].output, byKind[0].at);
    else if (!op.inputs![port].optional && !brokenNeeds) {
      const hint = byKind.length > 1 ? `; candidates: ${byKind.map((c) => `${c.step.id}.${c.output}`).join(', ')}` : '';
      diagnostics.push(
        src.diagnostic(
          ['steps', id],
          `step "${id}": input "${port}" (${kind}) is not connected; add it to needs as "step.output" or under inputs:${hint}`,
          { key: true },
        ),
      );
    }
  }

  if (spec.foreach) {
    const port = op.inputs?.[spec.foreach.input];
    if (!port)
      diagnostics.push(
        src.diagnostic(
          ['steps', id, 'foreach', 'input'],
          `foreach.input "${spec.foreach.input}" is not an input of ${op.type}${didYouMean(spec.foreach.input, Object.keys(op.inputs ?? {}))}`,
        ),
      );
    else if (port.kind !== 'table')
      diagnostics.push(
        src.diagnostic(
          ['steps', id, 'foreach', 'input'],
          `foreach.input "${spec.foreach.input}" is a ${port.kind}; only tables can be partitioned`,
        ),
      );
  }
}

/**
 * A dependency cycle, in data-flow order, or undefined. Iterative depth-first search: a chain of
 * tens of thousands of steps must not overflow the stack.
 */
function findCycle(steps: Map<string, StepNode>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  for (const root of [...steps.keys()].sort()) {
    if (state.has(root)) continue;
    const stack: { id: string; deps: string[]; next: number }[] = [];
    const enter = (id: string) => {
      state.set(id, 1);
      stack.push({ id, deps: [...(steps.get(id)?.deps ?? [])].sort(), next: 0 });
    };
    enter(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next >= top.deps.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const dep = top.deps[top.next++];
      if (state.get(dep) === 1) {
        // The stack runs downstream -> upstream; print the cycle in data-flow order.
        const ids = stack.map((f) => f.id);
        const loop = ids.slice(ids.indexOf(dep)).reverse();
        return [...loop, loop[0]];
      }
      if (!state.has(dep)) enter(dep);
    }
  }
  return undefined;
}

/** Steps in topological layers (Kahn's algorithm, linear): a step's layer is one past its deepest dependency. */
function layersOf(steps: Map<string, StepNode>): string[][] {
  const depth = new Map<string, number>();
  const waiting = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const [id, node] of steps) {
    waiting.set(id, node.deps.length);
    for (const d of node.deps) (downstream.get(d) ?? downstream.set(d, []).get(d)!).push(id);
  }
  const ready = [...steps.keys()].filter((id) => waiting.get(id) === 0);
  for (const id of ready) depth.set(id, 0);
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    for (const next of downstream.get(id) ?? []) {
      depth.set(next, Math.max(depth.get(next) ?? 0, depth.get(id)! + 1));
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const layers: string[][] = [];
  // Within a layer, steps keep the file's order.
  for (const id of steps.keys()) (layers[depth.get(id)!] ??= []).push(id);
  return layers;
}

function sortDiagnostics(d: Diagnostic[]): Diagnostic[] {
  return d.sort((a, b) => a.line - b.line || a.col - b.col);
}
