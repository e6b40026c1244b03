import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isOperatorDefinition, type OperatorDefinition } from './define-operator.js';

export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
}

/** Where each operator came from, so a clash between two packages names both. */
interface Registered {
  op: OperatorDefinition;
  source: string;
}

/**
 * Operators known to a run: those of the installed datanet packages (any package under
 * `node_modules/@datanet/` whose package.json has `"datanet": { "operators": true }`), plus the
 * modules named in `plugins:`. Nothing is registered by hand.
 */
export class OperatorRegistry {
  private readonly ops = new Map<string, Registered>();

  get(type: string): OperatorDefinition | undefined {
    return this.ops.get(type)?.op;
  }

  types(): string[] {
    return [...this.ops.keys()].sort();
  }

  all(): OperatorDefinition[] {
    return this.types().map((t) => this.ops.get(t)!.op);
  }

  register(op: OperatorDefinition, source: string): void {
    const existing = this.ops.get(op.type);
    if (existing && existing.op !== op) {
      throw new PluginLoadError(`operator "${op.type}" is defined twice: in ${existing.source} and in ${source}`);
    }
    this.ops.set(op.type, { op, source });
  }

  /** Registers every OperatorDefinition exported by a module. Returns how many it found. */
  registerModule(mod: Record<string, unknown>, source: string): number {
    let n = 0;
    for (const value of Object.values(mod)) {
      if (isOperatorDefinition(value)) {
        this.register(value, source);
        n++;
      } else if (Array.isArray(value)) {
        for (const v of value) {
          if (!isOperatorDefinition(v)) continue;
          this.register(v, source);
          n++;
        }
      }
    }
    return n;
  }

  /** Loads plugins named in a pipeline or profile: paths relative to `baseDir`, or package names. */
  async loadPlugins(plugins: string[], baseDir: string): Promise<void> {
    for (const plugin of plugins) {
      let url: string;
      if (plugin.startsWith('.') || isAbsolute(plugin)) {
        const path = resolve(baseDir, plugin);
        if (!existsSync(path)) throw new PluginLoadError(`plugin ${plugin}: ${path} does not exist`);
        url = pathToFileURL(path).href;
      } else {
        try {
          url = pathToFileURL(createRequire(join(baseDir, 'noop.js')).resolve(plugin)).href;
        } catch {
          throw new PluginLoadError(`plugin ${plugin}: package not found from ${baseDir} (install it, or give a path starting with ./)`);
        }
      }
      const mod = (await import(url)) as Record<string, unknown>;
      if (this.registerModule(mod, plugin) === 0) {
        throw new PluginLoadError(`plugin ${plugin} exports no operator (export the result of defineOperator)`);
      }
    }
  }
}

/** node_modules folders from a directory up to the filesystem root. */
function nodeModulesDirs(start: string): string[] {
  const out: string[] = [];
  let dir = resolve(start);
  for (;;) {
    const nm = join(dir, 'node_modules');
    if (existsSync(nm)) out.push(nm);
    const parent = dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

/** Installed datanet operator packages: their names and entry files. */
export function findOperatorPackages(
  from: string[] = [process.cwd(), dirname(fileURLToPath(import.meta.url))],
): { name: string; entry: string }[] {
  const found = new Map<string, string>();
  for (const start of from) {
    for (const nm of nodeModulesDirs(start)) {
      const scope = join(nm, '@datanet');
      if (!existsSync(scope)) continue;
      for (const name of readdirSync(scope)) {
        const pkgDir = join(scope, name);
        const pkgFile = join(pkgDir, 'package.json');
        if (found.has(`@datanet/${name}`) || !existsSync(pkgFile)) continue;
        const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { datanet?: { operators?: boolean }; exports?: unknown; main?: string };
        if (!pkg.datanet?.operators) continue;
        const exp = pkg.exports as Record<string, string> | string | undefined;
        const entry = typeof exp === 'string' ? exp : (exp?.['.'] ?? pkg.main ?? './src/index.ts');
        found.set(`@datanet/${name}`, join(pkgDir, entry));
      }
    }
  }
  return [...found].map(([name, entry]) => ({ name, entry })).sort((a, b) => a.name.localeCompare(b.name));
}

let builtins: Promise<OperatorRegistry> | undefined;

/** A registry with every installed datanet operator package loaded (once per process). */
export async function loadBuiltinOperators(): Promise<OperatorRegistry> {
  builtins ??= (async () => {
    const registry = new OperatorRegistry();
    for (const { name, entry } of findOperatorPackages()) {
      try {
        registry.registerModule((await import(pathToFileURL(entry).href)) as Record<string, unknown>, name);
      } catch (err) {
        // One broken package must not take down pipelines that do not use it; its operators
        // simply stay unknown, and validation names them.
        process.stderr.write(`datanet: warning: operator package ${name} failed to load: ${(err as Error).message.split('\n')[0]}\n`);
      }
    }
    return registry;
  })();
  return builtins;
}

/** Builtins plus the plugins of a pipeline/profile, in a registry of its own. */
export async function loadOperators(plugins: string[] = [], baseDir = process.cwd()): Promise<OperatorRegistry> {
  const base = await loadBuiltinOperators();
  const registry = new OperatorRegistry();
  for (const op of base.all()) registry.register(op, 'builtin');
  await registry.loadPlugins(plugins, baseDir);
  return registry;
}
