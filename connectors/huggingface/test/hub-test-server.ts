import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Repo {
  files: Map<string, Buffer>;
  commits: { oid: string; title: string; paths: string[] }[];
}

/**
 * The part of the Hugging Face Hub's HTTP API that @huggingface/hub v2 uses for repo creation,
 * LFS-less commits (preupload answers "regular" for every file), tree listing and ranged
 * downloads. Everything lives in memory; `requests` records what the client asked for.
 */
export class HubTestServer {
  readonly repos = new Map<string, Repo>();
  readonly requests: { method: string; url: string; auth?: string }[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly token: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => send(res, 500, { error: String(err) }));
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => this.server?.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ method: req.method ?? '', url: url.pathname + url.search, auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return send(res, 401, { error: 'Invalid credentials in Authorization header' });
    const path = decodeURIComponent(url.pathname);
    let m: RegExpExecArray | null;

    if (req.method === 'POST' && path === '/api/repos/create') {
      const body = JSON.parse((await readBody(req)).toString('utf8'));
      const key = `${body.type ?? 'model'}:${body.organization}/${body.name}`;
      if (this.repos.has(key)) return send(res, 409, { error: 'You already created this repo' });
      this.repos.set(key, { files: new Map(), commits: [] });
      return send(res, 200, {
        url: `${this.url}/${body.type === 'model' ? '' : body.type + 's/'}${body.organization}/${body.name}`,
        id: key,
      });
    }
    if ((m = /^\/api\/(model|dataset)s\/([^/]+\/[^/]+)\/(preupload|commit)\/([^/]+)$/.exec(path)) && req.method === 'POST') {
      const repo = this.repos.get(`${m[1]}:${m[2]}`);
      if (!repo) return send(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      const body = await readBody(req);
      if (m[3] === 'preupload') {
        const { files } = JSON.parse(body.toString('utf8')) as { files: { path: string }[] };
        return send(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: 'regular', shouldIgnore: false })) });
      }
      const lines = body
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const header = lines.find((l) => l.key === 'header');
      const paths: string[] = [];
      for (const l of lines) {
        if (l.key === 'file') {
          if (l.value.encoding !== 'base64') return send(res, 400, { error: `unsupported encoding ${l.value.encoding}` });
          repo.files.set(l.value.path, Buffer.from(l.value.content, 'base64'));
          paths.push(l.value.path);
        } else if (l.key === 'deletedFile') {
          repo.files.delete(l.value.path);
        } else if (l.key !== 'header') {
          return send(res, 400, { error: `this test server takes only regular files, got ${l.key}` });
        }
      }
      const oid = createHash('sha1').update(body).update(String(repo.commits.length)).digest('hex');
      repo.commits.push({ oid, title: header?.value?.summary ?? '', paths });
      return send(res, 200, { commitOid: oid, commitUrl: `${this.url}/commit/${oid}` });
    }
    if ((m = /^\/api\/(model|dataset)s\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(path)) && req.method === 'GET') {
      const repo = this.repos.get(`${m[1]}:${m[2]}`);
      if (!repo) return send(res, 404, { error: 'Repository not found' });
      const prefix = m[4] ? m[4].replace(/\/$/, '') + '/' : '';
      const items = [...repo.files.entries()]
        .filter(([p]) => p.startsWith(prefix))
        .map(([p, b]) => ({ type: 'file', path: p, size: b.length, oid: createHash('sha1').update(b).digest('hex') }));
      return send(res, 200, items);
    }
    if ((m = /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path)) && req.method === 'GET') {
      const repo = this.repos.get(`${m[1] ? 'dataset' : 'model'}:${m[2]}`);
      const file = repo?.files.get(m[4]);
      if (!file) return send(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      const etag = `"${createHash('sha1').update(file).digest('hex')}"`;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!range) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': file.length, ETag: etag });
        return void res.end(file);
      }
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : file.length - 1, file.length - 1);
      const part = file.subarray(start, end + 1);
      res.writeHead(206, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': part.length,
        'Content-Range': `bytes ${start}-${end}/${file.length}`,
        ETag: etag,
      });
      return void res.end(part);
    }
    return send(res, 404, { error: `test hub has no route ${req.method} ${path}` });
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
