// Datasets, models and the playground in Chromium against a real `datanet serve` (PostgreSQL
// store): a small pipeline (package READMEs -> intake -> dedupe -> quality -> dataset.build ->
// train.lora) fills the store through the real CLI; then a visitor opens a dataset version's
// lineage and Croissant metadata, a signed-in person queries it in the SQL box (rows, and a
// refused write), opens the model and runs the playground, whose highlighted spans link to the
// contributions they matched. The SQL and playground routes are checked over HTTP too: bad SQL
// and writes are 4xx with a reason, a slow query is stopped, rows are capped.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Wallet } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchBrowser, shot, signInThroughPage, walletContext } from './helpers/browser.js';
import { REPO, startConsoleServer, type ConsoleServer } from './helpers/console-server.js';

const exec = promisify(execFile);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** READMEs `npm ci` installs: a few hundred paragraphs, enough for an eval split and a short training run. */
const PACKAGES = [
  'zod',
  'kysely',
  'commander',
  'yaml',
  'ethers',
  'fastify',
  'pg',
  'ioredis',
  'piscina',
  'vitest',
  'prettier',
  'eslint',
  'elkjs',
  'echarts',
  'nx',
  'knip',
  'tsx',
  'typescript',
];
const MODEL = 'console-lora@1';

const person = new Wallet(Wallet.createRandom().privateKey);
let server: ConsoleServer;
let browser: Browser;
let token: string;

/** The real CLI on the server's store and state folder. */
async function datanet(schema: string, args: string[]): Promise<string> {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  try {
    const { stdout } = await exec(
      process.execPath,
      [join(REPO, 'pipelines/bin/datanet.mjs'), '--state-dir', join(server.root, '.datanet'), '--json', ...args],
      {
        cwd: server.root,
        env: { ...process.env, DATABASE_URL: url.toString(), DATANET_STATE_DIR: join(server.root, '.datanet'), DATANET_LOG_LEVEL: 'warn' },
        maxBuffer: 1 << 26,
      },
    );
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    throw new Error(`datanet ${args.join(' ')} exited ${e.code}: ${e.stderr?.slice(-2000) ?? ''}${e.stdout?.slice(-2000) ?? ''}`);
  }
}

/**
 * The demo's first steps (configs/pipelines/demo.yaml through train.lora), trained for a few steps
 * only. JSON is YAML, so the pipeline is written as JSON.
 */
function writePipeline(root: string): string {
  const datanet = 'package-docs';
  const pipeline = {
    apiVersion: 'datanet/v1',
    kind: 'Pipeline',
    metadata: { name: 'datasets-models', description: 'package READMEs to a dataset version and a LoRA adapter' },
    parameters: { corpus: { type: 'string', description: 'README files (a glob)' } },
    steps: {
      docs: { uses: 'table.read', with: { path: '${{ params.corpus }}' } },
      records: {
        uses: 'table.sql',
        needs: ['docs.table'],
        with: {
          query: `with docs as (
              select regexp_extract(path, 'node_modules/([^/]+)/README\\.md$', 1) as package, text from input
            ), paras as (
              select package, trim(unnest(string_split(replace(text, chr(13), ''), chr(10) || chr(10)))) as body from docs
            )
            select 'maintainers-' || upper(substr(package, 1, 1)) as contributor, package, body from paras
            where length(body) between 200 and 4000 and body not like '\`\`\`%' and body not like '|%' and body not like '<%' and body not like '#%'
            order by package, body`,
        },
      },
      submit: {
        uses: 'ingest.submit-table',
        needs: ['records.table'],
        with: { datanet, contributorColumn: 'contributor', fields: ['package', 'body'], licence: 'MIT' },
      },
      ingest: { uses: 'ingest.submissions', needs: ['submit.submissions'], with: { datanet } },
      exact: {
        uses: 'dedupe.exact',
        needs: ['ingest.accepted'],
        with: { datanet, idColumn: 'id', orderColumn: 'receipt_seq', index: 'dm-exact' },
      },
      near: {
        uses: 'dedupe.minhash',
        needs: ['exact.kept'],
        with: { datanet, idColumn: 'id', orderColumn: 'receipt_seq', index: 'dm-near' },
      },
      quality: {
        uses: 'quality.filter',
        needs: ['near.kept'],
        with: { textColumn: 'text', idColumn: 'id', ruleSet: '../quality/package-docs.yaml' },
      },
      dataset: {
        uses: 'dataset.build',
        needs: ['quality.kept'],
        with: { datanet, kind: 'text', license: 'MIT', title: 'Package documentation', evalFraction: 0.2 },
      },
      train: {
        uses: 'train.lora',
        needs: ['dataset.dataset'],
        with: {
          backend: 'builtin',
          baseModel: 'datanet-tiny-llama',
          method: 'lora',
          r: 8,
          alpha: 16,
          targetModules: 'all-linear',
          learningRate: 0.002,
          maxSteps: 6,
          batchSize: 8,
          maxSeqLength: 128,
          seed: 42,
          maxTrainRows: 200,
          maxEvalRows: 16,
          checkpointEvery: 3,
          modelName: 'console-lora',
        },
      },
    },
  };
  const file = join(root, 'configs', 'pipelines', 'datasets-models.yaml');
  writeFileSync(file, JSON.stringify(pipeline, null, 2));
  return file;
}

async function api(path: string, body: unknown, auth = true): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), ms: performance.now() - started };
}
const query = (sql: string, auth = true) => api('/v1/datanets/package-docs/datasets/1/query', { sql }, auth);

describe('datasets, models and the playground', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    const schema = (await server.sql(`SELECT '{schema}' AS s`)).rows[0].s as string;
    const corpus = join(server.root, 'corpus', 'node_modules');
    for (const p of PACKAGES) {
      const readme = join(REPO, 'node_modules', p, 'README.md');
      if (!existsSync(readme)) continue;
      mkdirSync(join(corpus, p), { recursive: true });
      cpSync(readme, join(corpus, p, 'README.md'));
    }
    const pipeline = writePipeline(server.root);
    const run = JSON.parse(await datanet(schema, ['run', pipeline, '-q', '--param', `corpus=${corpus}/*/README.md`])) as { status: string };
    expect(run.status).toBe('succeeded');
    token = (
      JSON.parse(await datanet(schema, ['token', 'create', '--deployment', '--role', 'reviewer', '--name', 'console-test'])) as {
        token: string;
      }
    ).token;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  describe('the SQL route', () => {
    it('answers a SELECT with rows, capped at 1000', async () => {
      const ok = await query('SELECT contributor, count(*) AS n FROM dataset GROUP BY ALL ORDER BY n DESC');
      expect(ok.status).toBe(200);
      expect(ok.body.columns).toEqual(['contributor', 'n']);
      expect(ok.body.rows.length).toBeGreaterThan(0);
      const many = await query('SELECT * FROM range(5000)');
      expect(many.status).toBe(200);
      expect(many.body.rows.length).toBe(1000);
      expect(many.body.truncated).toBe(true);
    });

    it('refuses bad SQL and writes with a 4xx and a reason', async () => {
      const bad = await query('SELECT no_such_column FROM dataset');
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/no_such_column/);
      for (const sql of [
        'DELETE FROM dataset',
        'DROP VIEW dataset',
        "COPY (SELECT * FROM dataset) TO '/tmp/out.csv'",
        "ATTACH '/tmp/other.db'",
        'INSTALL httpfs',
        'SET enable_external_access = true',
        'CREATE TABLE t AS SELECT * FROM dataset',
      ]) {
        const r = await query(sql);
        expect(r.status, sql).toBe(400);
        expect(r.body.error, sql).toBe('read_only');
      }
      for (const sql of [
        "SELECT * FROM read_csv('/etc/passwd')",
        'SELECT 1; DROP VIEW dataset',
        "WITH t AS (SELECT 1) SELECT * FROM read_text('/etc/hostname')",
      ]) {
        const r = await query(sql);
        expect(r.status, sql).toBe(400);
        expect(r.body.error, sql).toBe('bad_query');
        expect(r.body.message, sql).not.toMatch(/--unsafe/);
      }
      // The view is still there: nothing above changed the session's data.
      expect((await query('SELECT count(*) AS n FROM dataset')).status).toBe(200);
    });

    it('stops a query after its time limit', async () => {
      const slow = await query('SELECT count(*) FROM range(1000000000000) a');
      expect(slow.status).toBe(422);
      expect(slow.body.error).toBe('query_timeout');
      expect(slow.ms).toBeLessThan(30_000);
    });

    it('needs a signed-in caller; an unknown version is a 404', async () => {
      const anon = await query('SELECT 1', false);
      expect(anon.status).toBe(401);
      const missing = await api('/v1/datanets/package-docs/datasets/99/query', { sql: 'SELECT 1' });
      expect(missing.status).toBe(404);
    });
  });

  describe('the playground route', () => {
    it('bounds the prompt, knows its models and needs a signed-in caller', async () => {
      expect((await api(`/v1/models/${MODEL}/generate`, { prompt: 'x'.repeat(501) })).status).toBe(400);
      expect((await api(`/v1/models/${MODEL}/generate`, { prompt: 'hello', maxNewTokens: 1000 })).status).toBe(400);
      expect((await api('/v1/models/no-such-model@1/generate', { prompt: 'hello' })).status).toBe(404);
      expect((await api(`/v1/models/${MODEL}/generate`, { prompt: 'hello' }, false)).status).toBe(401);
    });

    it('generates and attributes spans to contributions', async () => {
      const r = await api(`/v1/models/${MODEL}/generate`, { prompt: 'Kysely is a type-safe', maxNewTokens: 32, minTokens: 1 });
      expect(r.status).toBe(200);
      expect(r.body.datasetVersion).toBe('package-docs@1');
      expect(r.body.output.length).toBeGreaterThan(0);
      expect(r.body.spans.length).toBeGreaterThan(0);
      for (const s of r.body.spans) {
        expect(r.body.output.slice(s.start, s.end)).toBe(s.text);
        expect(s.contributions.length).toBeGreaterThan(0);
      }
    });
  });

  it('a visitor and a signed-in person use the datasets, models and playground pages', async () => {
    const context = await walletContext(browser, person);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      await pagesPath(page);
    } catch (e) {
      await shot(page, 'dm-failure');
      throw e;
    }
    expect(problems).toEqual([]);
    await context.close();
  });
});

async function pagesPath(page: Page) {
  // Signed out: versions, lineage and Croissant are public; the SQL box asks to sign in.
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'Datasets', exact: true }).click();
  await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
  await page.getByLabel('Datanet').selectOption('package-docs');
  await page.getByRole('link', { name: 'package-docs@1' }).click();
  await page.getByRole('heading', { name: 'package-docs@1', level: 2 }).waitFor();
  const lineage = page.locator('[data-testid="lineage"]');
  await expect.poll(() => lineage.locator('.react-flow__node').count(), { timeout: 30_000 }).toBe(3);
  expect(await lineage.locator('.react-flow__node').allTextContents()).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^Submissions/),
      expect.stringMatching(/^package-docs@1/),
      expect.stringMatching(/^console-lora@1/),
    ]),
  );
  await page.getByRole('heading', { name: 'Croissant metadata' }).waitFor();
  await page.getByText('JSON-LD').click();
  expect(await page.locator('pre.json').textContent()).toMatch(/"@context"/);
  await page.getByText('to run read-only SQL over this version').waitFor();
  await shot(page, 'dm-01-dataset-version');
  expect(await axeProblems(page)).toEqual([]);

  // Signed in: the SQL box runs a query and shows rows; a write is refused with its reason.
  await signInThroughPage(page, server.url);
  await page.goto(`${server.url}/datasets?datanet=package-docs&version=1`);
  await page.getByRole('button', { name: 'Run query' }).click();
  const result = page.getByRole('region', { name: 'Query result' });
  await result.waitFor({ timeout: 60_000 });
  expect(await result.locator('tbody tr').count()).toBeGreaterThan(0);
  expect(await result.locator('thead th').allTextContents()).toEqual(['contributor', 'split', 'rows']);
  await shot(page, 'dm-02-sql-rows');
  expect(await axeProblems(page)).toEqual([]);
  await page.getByLabel('SQL').fill('DELETE FROM dataset');
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByRole('alert').filter({ hasText: 'only a SELECT' }).waitFor();
  await shot(page, 'dm-03-sql-refused');

  // The model: lineage and eval metrics, then the playground.
  await page.getByRole('link', { name: 'Models', exact: true }).click();
  await page.getByRole('link', { name: MODEL }).click();
  await page.getByRole('heading', { name: 'Eval metrics' }).waitFor();
  await page.getByRole('row', { name: /evalLoss/ }).waitFor();
  const modelLineage = page.locator('[data-testid="lineage"]');
  await expect.poll(() => modelLineage.locator('.react-flow__node').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  await page.getByRole('link', { name: 'package-docs@1' }).first().waitFor();
  await shot(page, 'dm-04-model');
  expect(await axeProblems(page)).toEqual([]);

  await page.getByRole('link', { name: `Try ${MODEL} in the playground` }).click();
  await page.getByLabel('Prompt').fill('Kysely is a type-safe');
  await page.getByLabel('New tokens (at most 128)').fill('32');
  await page.getByLabel('Shortest span to attribute (words)').fill('1');
  await page.getByRole('button', { name: 'Generate' }).click();
  const marks = page.locator('[data-testid="generated"] mark');
  await marks.first().waitFor({ timeout: 180_000 });
  expect(await marks.count()).toBeGreaterThan(0);
  const link = marks.first().getByRole('link');
  const href = (await link.getAttribute('href')) ?? '';
  expect(href).toMatch(/^\/datasets\?/);
  expect(new URL(href, server.url).searchParams.get('sql')).toMatch(/contribution_id = '/);
  await page.getByRole('heading', { name: 'Attributed spans' }).waitFor();
  await shot(page, 'dm-05-playground');
  expect(await axeProblems(page)).toEqual([]);
  // A word as common as those found here matches many contributions: three inline, the rest
  // (as many as the server lists) fold open on request.
  const more = page.locator('.span-list details.more-matches').first();
  expect(await more.getByRole('link').first().isVisible()).toBe(false);
  await more.locator('summary').click();
  expect(await more.getByRole('link').count()).toBeGreaterThan(0);
  expect(await more.getByRole('link').first().isVisible()).toBe(true);

  // A span opens the contribution it matched: the dataset version with its rows queried.
  await link.click();
  await page.getByRole('heading', { name: 'package-docs@1', level: 2 }).waitFor();
  expect(await page.getByLabel('SQL').inputValue()).toMatch(/contribution_id = '/);
  await page.getByRole('button', { name: 'Run query' }).click();
  const rows = page.getByRole('region', { name: 'Query result' });
  await rows.waitFor({ timeout: 60_000 });
  expect(await rows.locator('tbody tr').count()).toBeGreaterThan(0);
  expect(await rows.locator('thead th').allTextContents()).toContain('contribution_id');
  await shot(page, 'dm-06-contribution-rows');

  // Phone width: the pages stack and nothing but the tables (which scroll) runs off the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const ready: [string, () => Promise<void>][] = [
    ['/datasets?datanet=package-docs&version=1', () => page.locator('[data-testid="lineage"] .react-flow__node').first().waitFor()],
    [`/models?model=${encodeURIComponent(MODEL)}`, () => page.getByRole('heading', { name: 'Eval metrics' }).waitFor()],
    ['/playground', () => page.getByRole('button', { name: 'Generate' }).waitFor()],
  ];
  for (const [path, shown] of ready) {
    await page.goto(`${server.url}${path}`);
    await shown();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /Loading|Laying out/ })
          .count(),
      )
      .toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), path).toBeLessThanOrEqual(1);
  }
  await shot(page, 'dm-07-playground-phone');
}
