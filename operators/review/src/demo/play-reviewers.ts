// Plays the medical-qa Datanet's three DEMO reviewers against a running `datanet serve`, so the
// whole review path runs unattended (tests, demos):
//
//   node pipelines/bin/run-ts.mjs operators/review/src/demo/play-reviewers.ts --server URL [--datanet medical-qa]
//
// With DATANET_TOKEN set to a steward token of the Datanet, it then continues the runs whose held
// records are all decided (POST /api/runs/{id}/resume), unless the server already did. It prints
// one JSON summary on stdout.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ReviewApiError, ReviewClient } from '../client/review-client.js';
import { DEMO_REVIEWERS, demoReviewerKey, demoVerdict, type DemoReviewer } from './demo-reviewers.js';

export interface PlaySummary {
  reviewers: { name: DemoReviewer; address: string; decisions: number; suspended: boolean }[];
  rounds: number;
  resumed: string[];
}

export async function playReviewers(o: {
  server: string;
  datanet: string;
  stewardToken?: string;
  /** Items asked for per call. */
  batch?: number;
  maxRounds?: number;
  log?: (line: string) => void;
}): Promise<PlaySummary> {
  const log = o.log ?? (() => {});
  const players = [];
  for (const name of DEMO_REVIEWERS) {
    const key = demoReviewerKey(name);
    players.push({ name, client: await ReviewClient.signIn(o.server, key), address: key.address, decisions: 0, suspended: false });
  }
  let rounds = 0;
  for (; rounds < (o.maxRounds ?? 10_000); rounds++) {
    let progressed = false;
    for (const p of players) {
      if (p.suspended) continue;
      let items;
      try {
        items = await p.client.next(o.datanet, o.batch ?? 10);
      } catch (e) {
        if (e instanceof ReviewApiError && e.code === 'reviewer_suspended') {
          p.suspended = true;
          continue;
        }
        throw e;
      }
      for (const it of items) {
        const v = demoVerdict(p.name, it.payload);
        try {
          const r = await p.client.decide(o.datanet, it.id, v);
          p.decisions++;
          progressed = true;
          if (r.suspended) {
            p.suspended = true;
            log(`${p.name} (${p.address}) suspended by the gold items after ${p.decisions} decisions`);
            break;
          }
        } catch (e) {
          if (e instanceof ReviewApiError && e.code === 'reviewer_suspended') {
            p.suspended = true;
            break;
          }
          throw e;
        }
      }
    }
    if (!progressed) break;
  }
  const resumed: string[] = [];
  if (o.stewardToken) {
    const steward = ReviewClient.withToken(o.server, o.stewardToken);
    const stats = await steward.stats(o.datanet);
    for (const b of stats.batches.filter((x) => x.open === 0 && x.runId)) {
      const runId = b.runId!;
      // A server that wakes parked runs itself gets a moment to do so.
      const status = await waitWhileWaiting(steward, runId, 3_000);
      if (status !== 'waiting') continue;
      await steward.call('POST', `/api/runs/${encodeURIComponent(runId)}/resume`);
      resumed.push(runId);
      log(`resumed run ${runId}: every held record of ${b.batch} is decided`);
    }
  }
  return {
    reviewers: players.map((p) => ({ name: p.name, address: p.address, decisions: p.decisions, suspended: p.suspended })),
    rounds,
    resumed,
  };
}

async function waitWhileWaiting(steward: ReviewClient, runId: string, ms: number): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const d = await steward.call<{ run: { status: string } }>('GET', `/api/runs/${encodeURIComponent(runId)}`);
    if (d.run.status !== 'waiting' || Date.now() >= until) return d.run.status;
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { server: { type: 'string' }, datanet: { type: 'string', default: 'medical-qa' }, batch: { type: 'string', default: '10' } },
  });
  if (!values.server) {
    process.stderr.write(
      'usage: play-reviewers.ts --server URL [--datanet ID] [--batch N]   (DATANET_TOKEN: a steward token, to resume runs)\n',
    );
    process.exit(2);
  }
  playReviewers({
    server: values.server,
    datanet: values.datanet!,
    batch: Number(values.batch),
    stewardToken: process.env.DATANET_TOKEN,
    log: (l) => process.stderr.write(`${l}\n`),
  }).then(
    (s) => process.stdout.write(`${JSON.stringify(s)}\n`),
    (e: Error) => {
      process.stderr.write(`play-reviewers: ${e.message}\n`);
      process.exit(1);
    },
  );
}
