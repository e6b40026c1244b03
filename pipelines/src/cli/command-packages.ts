import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** CLI commands contributed by installed datanet packages (`datanet.commands` in package.json). */
export function findContributedCommands(): Map<string, string> {
  const out = new Map<string, string>();
  const starts = [process.cwd(), dirname(fileURLToPath(import.meta.url))];
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      const scope = join(dir, 'node_modules', '@datanet');
      if (existsSync(scope)) {
        for (const name of readdirSync(scope).sort()) {
          const pkgFile = join(scope, name, 'package.json');
          if (!existsSync(pkgFile)) continue;
          const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { datanet?: { commands?: Record<string, string> } };
          for (const [cmd, file] of Object.entries(pkg.datanet?.commands ?? {})) if (!out.has(cmd)) out.set(cmd, join(scope, name, file));
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return out;
}
