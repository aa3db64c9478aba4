/**
 * Remote edit → local mirror latency. One process: a fake GitHub sending its webhooks as changes happen,
 * the real HTTP app receiving them, and a worker (concurrency 4, polling every 50 ms as a fallback)
 * applying them. `count` issues are opened on the "website" and mirrored first; then `edits` retitles,
 * one at a time, 10–20 ms apart (round robin over the issues), each timed from just before
 * `store.remoteEdit` until a query on the mirror table returns the new title.
 */
import pg from 'pg';
import { createPgDb } from '../../src/db/pg-driver.ts';
import { quoteIdent } from '../../src/db/ident.ts';
import { startFakeGitHub } from '../../src/fakes/git/github/index.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { startHttpServer } from '../../src/http/server.ts';
import type { JobHandler } from '../../src/jobs/worker.ts';
import { createSyncBridge } from '../../src/syncbridge.ts';
import { ISSUE_WEBHOOK_JOB } from '../../src/twoway/inbox-job.ts';
import { sleep, withTimeout } from '../lib/time.ts';

export interface MirrorOptions {
  dbUrl: string;
  schema: string;
  repo: string;
  secret: string;
  issues: number;
  edits: number;
  pollIntervalMs: number;
  log: (msg: string) => void;
}

export interface EditSample {
  /** Edit → the mirror row shows the new title (a query's answer), ms. */
  visible: number;
  /** Edit → `receiveWebhook` returns: the fake built and sent the delivery, it was verified, stored and committed. */
  stored: number;
  /** Edit → the issue_webhook handler starts (the above, then the wake-up and the claim). */
  handlerStart: number;
  /** The handler's own time (read the delivery, merge, write the mirror row in one transaction). */
  handler: number;
  /** The handler read the issue again from the fake (a second edit of the issue within one second of the last). */
  refetched: boolean;
}

export interface MirrorResult {
  samples: EditSample[];
  seedMs: number;
  deliveriesFailed: number;
  claimedByWorker: number;
}

export async function mirrorLatency(o: MirrorOptions): Promise<MirrorResult> {
  const db = createPgDb({ connectionString: o.dbUrl, max: 10, applicationName: 'bench-webhooks-mirror' });
  const engine = await createSyncBridge({ db, schema: o.schema });
  const fake = await startFakeGitHub({ repos: [o.repo], autoDeliverWebhooks: true });
  const server = await startHttpServer(createHttpApp({ db, jobs: engine.jobs, twoway: engine.twoway, jobTypes: [] }), { host: '127.0.0.1', port: 0, apiToken: undefined });
  const probe = new pg.Client({ connectionString: o.dbUrl, application_name: 'bench-webhooks-probe' });
  await probe.connect();

  // The engine's own handler, timed: when it starts and ends, and a nudge for the probe when it ends.
  const inner = engine.handlers()[ISSUE_WEBHOOK_JOB]!;
  let lastStart = 0;
  let lastEnd = 0;
  let ended: (() => void) | undefined;
  const timed: JobHandler = async (job, jc) => {
    lastStart = performance.now();
    try {
      return await inner(job, jc);
    } finally {
      lastEnd = performance.now();
      ended?.();
    }
  };
  // When the delivery is committed (just before the 200 goes back to the fake).
  let lastStored = 0;
  const receive = engine.twoway.receiveWebhook.bind(engine.twoway);
  engine.twoway.receiveWebhook = async (...args) => {
    const received = await receive(...args);
    lastStored = performance.now();
    return received;
  };
  const worker = engine.worker({ concurrency: 4, pollIntervalMs: o.pollIntervalMs, handlers: { [ISSUE_WEBHOOK_JOB]: timed } });

  try {
    const connection = await engine.twoway.createConnection({
      name: 'bench-github',
      provider: 'github',
      config: { base_url: fake.url, repo: o.repo, token: 'bench-token', webhook_secret: o.secret },
      poll_interval_seconds: 7 * 86_400, // no polling reconciliation during the run: webhooks only
    });
    fake.webhooks.subscribe(o.repo, { url: `${server.url}${connection.webhook_path}`, secret: o.secret });
    await worker.start();

    const issuesTable = `${quoteIdent(o.schema)}.issues`;
    const titleOf = async (externalId: string) => {
      const { rows } = await probe.query<{ title: string }>({
        name: 'bench_title',
        text: `select title from ${issuesTable} where connection_id = $1 and external_id = $2`,
        values: [connection.id, externalId],
      });
      return rows[0]?.title;
    };

    const seedStarted = performance.now();
    const numbers: number[] = [];
    for (let i = 0; i < o.issues; i++) numbers.push(fake.store.remoteCreate(o.repo, { title: `Bench issue ${i}`, body: `Opened on the website for the benchmark (${i}).` }).number);
    await withTimeout(
      (async () => {
        for (;;) {
          const { rows } = await probe.query<{ n: string }>(`select count(*) as n from ${issuesTable} where connection_id = $1`, [connection.id]);
          if (Number(rows[0]!.n) >= o.issues) return;
          await sleep(20);
        }
      })(),
      60_000,
      `mirroring the ${o.issues} seeded issues`,
    );
    const seedMs = performance.now() - seedStarted;
    await fake.webhooks.idle();
    o.log(`mirror: ${o.issues} issues opened and mirrored in ${(seedMs / 1000).toFixed(1)} s; ${o.edits} remote edits`);
    // Past the seeds' second: a snapshot in the same whole second as the one the mirror holds is read again.
    await sleep(1100);
    const claimedBefore = worker.stats.claimed;

    const samples: EditSample[] = [];
    const isIssueGet = (path: string) => /\/issues\/\d+$/.test(path);
    for (let i = 0; i < o.edits; i++) {
      const number = numbers[i % numbers.length]!;
      const title = `edit ${i}`;
      const getsBefore = fake.requests.filter((r) => r.method === 'GET' && isIssueGet(r.path)).length;
      lastStored = lastStart = lastEnd = 0;
      const t0 = performance.now();
      fake.store.remoteEdit(o.repo, number, { title });
      let visibleAt = 0;
      await withTimeout(
        (async () => {
          for (;;) {
            if ((await titleOf(String(number))) === title) {
              visibleAt = performance.now();
              return;
            }
            // Look again as soon as a handler ends, else every 2 ms.
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, 2);
              ended = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            ended = undefined;
          }
        })(),
        10_000,
        `edit ${i} of issue #${number} reaching the mirror`,
      );
      const refetched = fake.requests.filter((r) => r.method === 'GET' && isIssueGet(r.path)).length > getsBefore;
      samples.push({ visible: visibleAt - t0, stored: lastStored - t0, handlerStart: lastStart - t0, handler: lastEnd - lastStart, refetched });
      await sleep(10 + Math.random() * 10);
    }
    await fake.webhooks.idle();
    const deliveriesFailed = fake.webhooks.deliveries.filter((d) => d.status === null || d.status < 200 || d.status > 299).length;
    return { samples, seedMs, deliveriesFailed, claimedByWorker: worker.stats.claimed - claimedBefore };
  } finally {
    await worker.stop();
    await server.close();
    await fake.close();
    await probe.end();
    await engine.close();
    await db.close();
  }
}
