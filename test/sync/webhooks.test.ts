/**
 * Webhooks into a pipeline, on both backends, over the real HTTP app: a delivery is verified on its raw
 * body, stored with its job before the 200 (invariant 1), and applied to the destination by a worker;
 * the same delivery sent twice is stored once and applied once (invariant 4); a bad signature is 401
 * and stores nothing; a delete removes or flags the row.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { postgresDestination } from '../../src/connectors/postgres/index.ts';
import { hookedSource, sign } from '../fixtures/connectors/hooked-source.ts';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { testApp, type TestApp } from '../helpers/http.ts';
import { startWorker } from '../helpers/workers.ts';

const SECRET = 'whsec_hooked_test_secret';

describe.each(testBackends())('pipeline webhooks (%s)', (backend) => {
  let t: TestApp;
  let dest: string;
  beforeEach(async () => {
    t = await testApp(backend, { pipelines: true, engine: { connectors: { hooked: hookedSource, postgres: postgresDestination }, runPollMs: 100 } });
    dest = `${t.engine.schema}_dest`;
    await t.engine.pipelines.create({
      name: 'hooked',
      source: { connector: 'hooked', config: { webhook_secret: SECRET } },
      destination: { connector: 'postgres', config: { schema: dest, deletes: 'delete' } },
      streams: ['alpha'],
    });
  });
  afterEach(async () => {
    await t.engine.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
    await t.close();
  });

  const deliver = (event: unknown, secret = SECRET) => {
    const body = JSON.stringify(event);
    return t.request('/webhooks/pipelines/hooked', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-signature': sign(secret, body) } });
  };
  const count = async (sql: string) => (await t.engine.db.query<{ n: number }>(sql)).rows[0]!.n;
  const deliveries = () => count(`select count(*)::int as n from "${t.engine.schema}".webhook_deliveries`);
  const webhookJobs = () => count(`select count(*)::int as n from "${t.engine.schema}".jobs where job_type = 'pipeline_webhook'`);

  test('a delivery is stored with its job before the 200, then applied; the same event twice is stored and applied once', async () => {
    const event = { id: 'evt_1', type: 'alpha.upsert', object: { id: 7, label: 'seven' } };
    const first = await deliver(event);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: true, duplicate: false, event_id: 'evt_1' });
    // Committed before the answer: the row and its job are there now, with no worker running yet.
    expect(await deliveries()).toBe(1);
    expect(await webhookJobs()).toBe(1);

    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, delivery_id: first.body.delivery_id, job_id: first.body.job_id });
    expect(await deliveries()).toBe(1);
    expect(await webhookJobs()).toBe(1);

    await startWorker(t.engine, { handlers: {} });
    await waitFor('the webhook job to succeed', async () => (await t.engine.jobs.get(first.body.job_id))?.status === 'succeeded');
    const { rows } = await t.engine.db.query(`select id, label from "${dest}".alpha`);
    expect(rows).toEqual([{ id: 7, label: 'seven' }]);

    // A later update and a delete arrive as new events and are applied in turn.
    const upd = await deliver({ id: 'evt_2', type: 'alpha.upsert', object: { id: 7, label: 'SEVEN' } });
    await waitFor('the update to apply', async () => (await t.engine.jobs.get(upd.body.job_id))?.status === 'succeeded');
    expect((await t.engine.db.query(`select label from "${dest}".alpha where id = 7`)).rows).toEqual([{ label: 'SEVEN' }]);
    const del = await deliver({ id: 'evt_3', type: 'alpha.delete', object: { id: 7, label: 'SEVEN' } });
    await waitFor('the delete to apply', async () => (await t.engine.jobs.get(del.body.job_id))?.status === 'succeeded');
    expect(await count(`select count(*)::int as n from "${dest}".alpha`)).toBe(0);
  });

  test('a bad signature is 401 and stores nothing; an unknown pipeline is 404; a malformed delivery is 422', async () => {
    const bad = await deliver({ id: 'evt_x', type: 'alpha.upsert', object: { id: 1, label: 'x' } }, 'whsec_wrong');
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('auth_error');
    const body = JSON.stringify({ id: 'evt_y', type: 'alpha.upsert', object: { id: 1, label: 'x' } });
    const tampered = await t.request('/webhooks/pipelines/hooked', { method: 'POST', body: body.replace('"x"', '"y"'), headers: { 'x-signature': sign(SECRET, body) } });
    expect(tampered.status).toBe(401);
    const unknown = await t.request('/webhooks/pipelines/nope', { method: 'POST', body, headers: { 'x-signature': sign(SECRET, body) } });
    expect(unknown.status).toBe(404);
    const malformed = '{"id": "evt_z"}';
    const m = await t.request('/webhooks/pipelines/hooked', { method: 'POST', body: malformed, headers: { 'x-signature': sign(SECRET, malformed) } });
    expect(m.status).toBe(422);
    expect(await deliveries()).toBe(0);
    expect(await webhookJobs()).toBe(0);
  });

  test('the webhook route needs no API token, the signature is the authentication', async () => {
    await t.close();
    t = await testApp(backend, { apiToken: 'tok_api', pipelines: true, engine: { connectors: { hooked: hookedSource, postgres: postgresDestination } } });
    dest = `${t.engine.schema}_dest`;
    await t.engine.pipelines.create({ name: 'hooked', source: { connector: 'hooked', config: { webhook_secret: SECRET } }, destination: { connector: 'postgres', config: { schema: dest } }, streams: ['alpha'] });
    expect((await deliver({ id: 'evt_1', type: 'alpha.upsert', object: { id: 1, label: 'a' } })).status).toBe(200);
    expect((await t.request('/api/jobs')).status).toBe(401);
  });
});
