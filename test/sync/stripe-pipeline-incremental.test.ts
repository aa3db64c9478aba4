/**
 * A Stripe pipeline kept current after its backfill, on both backends, end to end through the engine
 * (pipeline runs and stream jobs under a worker, the engine's own database as the destination):
 * - the events path: creates, updates and deletes made in the fake after a backfill reach the destination
 *   through the next run (Events API), exactly those events and nothing older; deleted objects flagged
 *   `_deleted = true` (default) or removed (`deletes: 'delete'`);
 * - the webhook path: the same kind of changes delivered as signed webhooks to the real HTTP server, every
 *   event twice; the inbox stores each once, a worker applies them, and the destination matches the fake
 *   with no events read at all.
 * The fake's clock is frozen: every event falls in one second, so only the events cursor's tie-breaking
 * (ids seen at that second) separates what a backfill already covered from what came after it.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createHttpApp } from '../../src/http/app.ts';
import { startHttpServer, type RunningServer } from '../../src/http/server.ts';
import { startFakeStripe, type FakeStripe } from '../../src/fakes/stripe/index.ts';
import { streamNamed } from '../../src/connectors/stripe/streams.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { compareWithFake, runToEnd, stripePipeline } from './stripe-pipeline-helpers.ts';

const STREAMS = ['customers', 'products'];
// 300 seeded + 2 created before the backfill + 3 created after it − 2 deleted.
const LIVE_CUSTOMERS = 303;
const WEBHOOK_SECRET = 'whsec_pipeline_test_0123456789abcdef';

/** Changes of every kind in the fake, as a real account sees them between two syncs. */
function makeChanges(fake: FakeStripe, tag: string): void {
  const seeded = fake.store.all('customers');
  const products = fake.store.all('products');
  const a = fake.store.create('customers', { email: `a.${tag}@example.com`, name: 'Ada' });
  const b = fake.store.create('customers', { email: `b.${tag}@example.com` });
  fake.store.create('customers', { email: `c.${tag}@example.com` });
  fake.store.create('products', { name: `Gadget ${tag}` });
  fake.store.update('customers', seeded[5]!.id, { name: `Renamed ${tag}` });
  fake.store.update('customers', seeded.at(-3)!.id, { email: `oldest.${tag}@example.com`, metadata: { tier: 'gold' } });
  fake.store.update('customers', a.id, { name: `Ada ${tag}` });
  fake.store.update('customers', b.id, { name: 'Short-lived' });
  fake.store.update('products', products[2]!.id, { name: `Renamed product ${tag}`, active: false });
  fake.store.delete('customers', b.id);
  fake.store.delete('customers', seeded[9]!.id);
  fake.store.delete('products', products[4]!.id);
}

/** Events of the synced streams recorded after the first `since` events of the log, oldest first. */
function eventsOfStreams(fake: FakeStripe, since: number) {
  const types = new Set(STREAMS.flatMap((s) => streamNamed(s)!.events));
  return fake.store.events.all().reverse().slice(since).filter((e) => types.has(e.type));
}

describe.each(testBackends())('stripe pipeline, incremental (%s)', (backend) => {
  let e: TestEngine;
  let fake: FakeStripe;
  let server: RunningServer | undefined;
  const dests: string[] = [];
  const destSchema = (suffix: string) => {
    const name = `${e.schema}_${suffix}`;
    dests.push(name);
    return name;
  };

  beforeEach(async () => {
    const frozen = Date.now();
    fake = await startFakeStripe({ now: () => frozen, seed: 11 });
    fake.store.seed({ customers: 300, products: 40 });
    // Recent activity before the first sync, in the very second the backfill anchors on: the newest event is
    // an update, and the create before it must not come back later as if it were new (it would undo it).
    fake.store.create('customers', { email: 'early2@example.com' });
    const early = fake.store.create('customers', { email: 'early@example.com' });
    fake.store.update('customers', early.id, { name: 'Early Bird' });
    e = await testEngine(backend, { runPollMs: 100 });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await fake.close();
    for (const d of dests.splice(0)) await e.db.query(`drop schema if exists "${d}" cascade`).catch(() => {});
    await e.close();
  });

  test('events path: a run after the backfill applies exactly the creates, updates and deletes since (flagged, or removed)', async () => {
    const flagDest = destSchema('flag');
    const delDest = destSchema('del');
    await e.pipelines.create(stripePipeline({ name: 'stripe-flag', fake, dest: flagDest, streams: STREAMS }));
    await e.pipelines.create(stripePipeline({ name: 'stripe-delete', fake, dest: delDest, streams: STREAMS, deletes: 'delete' }));
    await startWorker(e, { handlers: {} });

    for (const name of ['stripe-flag', 'stripe-delete']) expect((await runToEnd(e, name)).status).toBe('succeeded');
    for (const [dest, deletes] of [[flagDest, 'flag'], [delDest, 'delete']] as const) {
      for (const stream of STREAMS) expect((await compareWithFake(e.db, dest, fake, stream, deletes)).problems, `${dest}.${stream} after the backfill`).toEqual([]);
    }

    const eventsBefore = fake.store.events.size;
    makeChanges(fake, 'x');
    const changes = eventsOfStreams(fake, eventsBefore);
    expect(changes.length).toBe(12);
    const requestsBefore = fake.requests.length;

    const runs = [await runToEnd(e, 'stripe-flag'), await runToEnd(e, 'stripe-delete')];
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    // The second runs read events only: no list walk, no backfill.
    const later = fake.requests.slice(requestsBefore);
    expect(later.filter((r) => r.path !== '/v1/events')).toEqual([]);
    expect(later.length).toBeGreaterThan(0);

    const flag = { customers: await compareWithFake(e.db, flagDest, fake, 'customers', 'flag'), products: await compareWithFake(e.db, flagDest, fake, 'products', 'flag') };
    expect(flag.customers).toMatchObject({ problems: [], deleted: 2, live: LIVE_CUSTOMERS });
    expect(flag.products).toMatchObject({ problems: [], deleted: 1, live: 40 });
    const { rows } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${flagDest}".customers where _deleted`);
    expect(rows[0]!.n).toBe(2);

    const del = { customers: await compareWithFake(e.db, delDest, fake, 'customers', 'delete'), products: await compareWithFake(e.db, delDest, fake, 'products', 'delete') };
    expect(del.customers).toMatchObject({ problems: [], deleted: 2, rows: LIVE_CUSTOMERS });
    expect(del.products).toMatchObject({ problems: [], deleted: 1, rows: 40 });
    // Exactly the events since the backfill, none it had already covered (the records count is the run's own).
    for (const run of runs) expect(run.counts).toMatchObject({ records: changes.length });
  });

  /**
   * Backfills a pipeline with webhook secrets, then with no worker running: changes in the fake, delivered
   * to the real HTTP server in `order`, every event twice. Checks the inbox kept each event once, then lets a
   * worker with `concurrency` slots apply the backlog and compares the destination with the fake.
   */
  async function webhookScenario(order: 'in_order' | 'reverse', concurrency: number) {
    const dest = destSchema('hooks');
    const pipeline = await e.pipelines.create(stripePipeline({ name: 'stripe-hooks', fake, dest, streams: STREAMS, source: { webhook_secrets: [WEBHOOK_SECRET] } }));
    const backfiller = await startWorker(e, { handlers: {} });
    expect((await runToEnd(e, 'stripe-hooks')).status).toBe('succeeded');
    // No worker while the deliveries arrive: each must be committed by the HTTP answer alone.
    await backfiller.stop(0);
    for (const stream of STREAMS) expect((await compareWithFake(e.db, dest, fake, stream)).problems).toEqual([]);

    server = await startHttpServer(createHttpApp({ db: e.db, jobs: e.jobs, jobTypes: ['noop'], pipelines: e.pipelines }), { host: '127.0.0.1', port: 0, apiToken: undefined });
    const endpoint = fake.webhooks.register(`${server.url}/webhooks/pipelines/stripe-hooks`, WEBHOOK_SECRET);
    fake.webhooks.pause();
    const requestsBefore = fake.requests.length;
    const eventsBefore = fake.store.events.size;
    makeChanges(fake, 'w');
    const changes = eventsOfStreams(fake, eventsBefore);
    expect(changes.length).toBe(12);
    // Every event twice: the first pass, then the same deliveries again (Stripe's redeliveries).
    await fake.webhooks.flush({ order, duplicates: 1 });

    const sent = fake.webhooks.deliveries.filter((d) => d.endpoint_id === endpoint.id);
    expect(sent).toHaveLength(changes.length * 2);
    expect(sent.filter((d) => d.status !== 200).map((d) => [d.event_id, d.status, d.error])).toEqual([]);
    const firsts = sent.filter((d) => !d.duplicate).map((d) => d.event_id);
    expect(new Set(firsts)).toEqual(new Set(changes.map((c) => c.id)));

    // Stored once each, in the order they first arrived, each with its one job.
    const { rows: stored } = await e.db.query<{ delivery_id: string; job_id: number }>(
      `select delivery_id, job_id from "${e.schema}".webhook_deliveries where endpoint = $1 order by id`,
      [`pipeline:${pipeline.id}`],
    );
    expect(stored.map((r) => r.delivery_id)).toEqual(firsts);
    const { rows: hookJobs } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".jobs where job_type = 'pipeline_webhook'`);
    expect(hookJobs[0]!.n).toBe(changes.length);

    // A worker now applies the backlog, as after any downtime.
    await startWorker(e, { handlers: {}, concurrency });
    await waitFor('every webhook job to finish', async () => {
      const jobs = await Promise.all(stored.map((r) => e.jobs.get(r.job_id)));
      return jobs.every((j) => j && !['pending', 'running'].includes(j.status)) && jobs;
    }, 20_000);
    const failed = (await Promise.all(stored.map((r) => e.jobs.get(r.job_id)))).filter((j) => j?.status !== 'succeeded');
    expect(failed.map((j) => [j?.id, j?.status, j?.last_error])).toEqual([]);

    // No events walk and no list: only each touched object read again when its delivery was applied
    // (one read per stored delivery — redeliveries were refused at the door).
    const reads = fake.requests.slice(requestsBefore);
    expect(reads.filter((r) => !/^\/v1\/(customers|products)\/[^/]+$/.test(r.path) || r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(reads).toHaveLength(changes.length);
    const { rows: runs } = await e.db.query<{ n: number }>(`select count(*)::int as n from "${e.schema}".pipeline_runs where pipeline_id = $1`, [pipeline.id]);
    expect(runs[0]!.n).toBe(1);

    const customers = await compareWithFake(e.db, dest, fake, 'customers');
    const products = await compareWithFake(e.db, dest, fake, 'products');
    expect(customers).toMatchObject({ problems: [], deleted: 2, live: LIVE_CUSTOMERS });
    expect(products).toMatchObject({ problems: [], deleted: 1, live: 40 });
  }

  test('webhook path: signed deliveries in order, each sent twice, are stored once and applied; the destination matches with no events read', async () => {
    await webhookScenario('in_order', 10);
  });

  // Stripe does not promise delivery order. Each delivery re-reads its object when applied, one at a time per
  // object (a concurrency key), so newest-first deliveries — on one slot or many — still end at the newest
  // version, and an update applied after a deletion cannot bring the row back.
  test('webhook path: deliveries newest first still leave every object at its newest version (one slot)', async () => {
    await webhookScenario('reverse', 1);
  });

  test('webhook path: deliveries newest first still leave every object at its newest version (ten slots)', async () => {
    await webhookScenario('reverse', 10);
  });
});
