import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Route modules contributed by installed datanet packages (`datanet.routes` in package.json: a
 * list of files, or one file), found the way contributed CLI commands are. Package order is by
 * name so the OpenAPI document is stable.
 */
export function findContributedRoutes(): { pkg: string; file: string }[] {
  const out: { pkg: string; file: string }[] = [];
  const seen = new Set<string>();
  for (const start of [process.cwd(), dirname(fileURLToPath(import.meta.url))]) {
    let dir = resolve(start);
    for (;;) {
      const scope = join(dir, 'node_modules', '@datanet');
      if (existsSync(scope)) {
        for (const name of readdirSync(scope).sort()) {
          const pkgFile = join(scope, name, 'package.json');
          if (seen.has(name) || !existsSync(pkgFile)) continue;
          const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { datanet?: { routes?: string | string[] } };
          const routes = pkg.datanet?.routes;
          if (!routes) continue;
          seen.add(name);
          for (const file of Array.isArray(routes) ? routes : [routes])
            out.push({ pkg: `@datanet/${name}`, file: join(scope, name, file) });
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return out;
}
