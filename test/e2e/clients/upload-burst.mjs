// A client process for the concurrency tests: sends every upload of its share at once and prints
// each answer's status and error code as one JSON line. Usage: node upload-burst.mjs URL SHARE.json
import { readFileSync } from 'node:fs';

const [url, shareFile] = process.argv.slice(2);
const share = JSON.parse(readFileSync(shareFile, 'utf8'));
const results = await Promise.all(
  share.map(async (u) => {
    const form = new FormData();
    form.append('manifest', u.manifest);
    for (const f of u.files) form.append('file', new Blob([Buffer.from(f.base64, 'base64')]), f.name);
    try {
      const res = await fetch(`${url}/v1/datanets/${u.datanet}/submissions`, { method: 'POST', body: form });
      const body = await res.json().catch(() => ({}));
      return { status: res.status, error: body.error ?? null, submissionId: body.submissionId ?? null };
    } catch (e) {
      return { status: 0, error: String(e.cause?.code ?? e.message) };
    }
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
