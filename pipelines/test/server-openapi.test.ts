// The committed OpenAPI document (openapi.json at the repository root) is what the server serves.
// Regenerate it with: npx datanet serve --openapi openapi.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServer, REPO } from './server-helpers.js';

let server: Awaited<ReturnType<typeof openTestServer>>;

beforeAll(async () => {
  server = await openTestServer('pglite');
}, 120_000);
afterAll(async () => {
  await server?.shutdown();
});

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and the committed copy is current', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const served = res.json();
    expect(served.openapi).toBe('3.1.0');
    const committed = JSON.parse(readFileSync(join(REPO, 'openapi.json'), 'utf8'));
    expect(served, 'openapi.json is stale: run `npx datanet serve --openapi openapi.json` and commit it').toEqual(committed);
  });

  it('says who may call each operation', async () => {
    const doc = server.app.swagger() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) expect(op['x-datanet-access'], `${method} ${path}`).toBeTruthy();
    }
    expect(doc.paths['/api/runs'].post.security).toEqual([{ session: [] }, { token: [] }]);
  });
});
