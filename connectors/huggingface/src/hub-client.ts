import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

export type HubRepoType = 'dataset' | 'model';

export interface HubTarget {
  /** Base URL of the Hub, e.g. https://huggingface.co or http://127.0.0.1:PORT in tests. */
  hubUrl: string;
  /** `namespace/name`. */
  repo: string;
  type: HubRepoType;
  /** Branch or commit; `main` by default. */
  revision?: string;
  /** Access token (`hf_...`); defaults to $HF_TOKEN, then $HUGGING_FACE_HUB_TOKEN. Never logged. */
  token?: string;
}

export interface HubFile {
  /** Path inside the repo, `/`-separated. */
  path: string;
  /** Local file to upload, or the bytes themselves. */
  source: string | Uint8Array;
}

export interface PushResult {
  repo: string;
  type: HubRepoType;
  commit: string;
  files: string[];
}

/** A failed Hub call, with the token scrubbed from anything the client said. */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function tokenOf(target: HubTarget): string | undefined {
  return target.token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN ?? undefined;
}

function scrub(message: string, token: string | undefined): string {
  let m = message.replace(/hf_[A-Za-z0-9]{6,}/g, 'hf_***');
  if (token) m = m.split(token).join('***');
  return m;
}

async function hubCall<T>(
  target: HubTarget,
  what: string,
  fn: (hub: typeof import('@huggingface/hub'), token?: string) => Promise<T>,
): Promise<T> {
  const hub = await import('@huggingface/hub');
  const token = tokenOf(target);
  try {
    return await fn(hub, token);
  } catch (err) {
    const e = err as Error & { statusCode?: number };
    throw new HubError(`${what} ${target.type} ${target.repo} at ${target.hubUrl} failed: ${scrub(e.message, token)}`, e.statusCode);
  }
}

const repoOf = (t: HubTarget) => ({ type: t.type, name: t.repo });

/** Creates the repo unless it exists already (the Hub answers 409 then). */
export async function ensureRepo(target: HubTarget, options: { private?: boolean; license?: string } = {}): Promise<void> {
  await hubCall(target, 'creating', async (hub, accessToken) => {
    try {
      // createRepo's types demand a token; a hub that allows anonymous creation gets none.
      await hub.createRepo({
        repo: repoOf(target),
        hubUrl: target.hubUrl,
        accessToken: accessToken as string,
        private: options.private,
        license: options.license,
      });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
  });
}

/** Uploads files in one commit, creating the repo if needed. */
export async function pushFiles(target: HubTarget, files: HubFile[], title: string): Promise<PushResult> {
  if (!files.length) throw new HubError(`nothing to push to ${target.repo}`);
  await ensureRepo(target);
  const blobs = await Promise.all(
    files.map(async (f) => ({
      path: f.path,
      content: new Blob([typeof f.source === 'string' ? await readFile(f.source) : f.source]),
    })),
  );
  const res = await hubCall(target, 'pushing to', (hub, accessToken) =>
    hub.uploadFiles({
      repo: repoOf(target),
      hubUrl: target.hubUrl,
      accessToken,
      files: blobs,
      branch: target.revision,
      commitTitle: title,
    }),
  );
  if (!res) throw new HubError(`pushing to ${target.type} ${target.repo} at ${target.hubUrl} returned no commit`);
  return { repo: target.repo, type: target.type, commit: res.commit.oid, files: files.map((f) => f.path).sort() };
}

/** Uploads a folder (e.g. a PEFT adapter), keeping its layout under `prefix`. */
export async function pushFolder(target: HubTarget, folder: string, title: string, prefix = ''): Promise<PushResult> {
  const files = (await walk(folder)).map((abs) => ({
    path: join(prefix, relative(folder, abs)).split(sep).join('/'),
    source: abs,
  }));
  return pushFiles(target, files, title);
}

export interface RepoEntry {
  path: string;
  size: number;
}

export async function listRepoFiles(target: HubTarget, path?: string): Promise<RepoEntry[]> {
  return hubCall(target, 'listing', async (hub, accessToken) => {
    const out: RepoEntry[] = [];
    for await (const e of hub.listFiles({
      repo: repoOf(target),
      hubUrl: target.hubUrl,
      accessToken,
      revision: target.revision,
      path,
      recursive: true,
    })) {
      if (e.type === 'file') out.push({ path: e.path, size: e.size });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  });
}

/** Downloads one file to `dest`; returns false when the repo has no such file. */
export async function pullFile(target: HubTarget, path: string, dest: string): Promise<boolean> {
  const blob = await hubCall(target, `downloading ${path} from`, (hub, accessToken) =>
    hub.downloadFile({ repo: repoOf(target), hubUrl: target.hubUrl, accessToken, revision: target.revision, path }),
  );
  if (!blob) return false;
  const bytes = new Uint8Array(await hubCall(target, `reading ${path} from`, () => blob.arrayBuffer()));
  await mkdir(dirname(dest), { recursive: true });
  await writeFile(dest, bytes);
  return true;
}

/** Downloads every file of the repo (or under `path`) into `outDir`, keeping the layout. */
export async function pullFolder(target: HubTarget, outDir: string, path?: string): Promise<string[]> {
  const entries = await listRepoFiles(target, path);
  const root = resolve(outDir);
  const written: string[] = [];
  for (const e of entries) {
    const rel = path ? e.path.slice(path.replace(/\/$/, '').length + 1) : e.path;
    const dest = resolve(root, rel);
    if (!dest.startsWith(root + sep)) throw new HubError(`refusing to write ${e.path} outside ${outDir}`);
    await pullFile(target, e.path, dest);
    written.push(rel);
  }
  return written;
}

async function walk(dir: string): Promise<string[]> {
  if (!(await stat(dir)).isDirectory()) throw new HubError(`${dir} is not a folder`);
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}
