import type { ZodApp } from '../server-context.js';

/** The OpenAPI document and a small page that lists its operations (no outside scripts). */
export function docsRoutes(app: ZodApp): void {
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'");
    return DOCS_PAGE;
  });
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Datanet API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
h2{margin-top:2rem;border-bottom:1px solid #ddd}code{background:#f4f4f4;padding:0 .3em}
.op{margin:.6rem 0}.m{display:inline-block;width:4.5rem;font-weight:600}pre{background:#f8f8f8;padding:.5rem;overflow:auto;font-size:13px}</style></head>
<body><h1>Datanet API</h1><p>The machine-readable document is <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).</p>
<div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r => r.json()).then(doc => {
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags && op.tags[0]) || 'other';
    (byTag[tag] ||= []).push({ path, method, op });
  }
  const el = document.getElementById('ops'); el.textContent = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    const h = document.createElement('h2'); h.textContent = tag; el.append(h);
    for (const { path, method, op } of ops) {
      const d = document.createElement('details'); d.className = 'op';
      const s = document.createElement('summary');
      const m = document.createElement('span'); m.className = 'm'; m.textContent = method.toUpperCase();
      const c = document.createElement('code'); c.textContent = path;
      s.append(m, c, document.createTextNode(' ' + (op.summary || ''))); d.append(s);
      const pre = document.createElement('pre'); pre.textContent = JSON.stringify(op, null, 2); d.append(pre);
      el.append(d);
    }
  }
});
</script></body></html>`;
