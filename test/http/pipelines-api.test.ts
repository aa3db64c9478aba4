/**
 * The pipelines and runs API on both backends: create (201, secrets redacted in every response), list
 * and show, bad input refused with 422 naming the field and nothing stored, a duplicate name 409, one
 * active run per pipeline, a run's per-stream progress after a worker ran it, cancel, and 404s.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { postgresDestination } from '../../src/connectors/postgres/index.ts';
import { stripeSource } from '../../src/connectors/stripe/index.ts';
import { defineSource } from '../../src/protocol/connector.ts';
import { REDACTED } from '../../src/sync/secrets.ts';
import type { ConnectorRegistry } from '../../src/sync/stream-job.ts';
import { counterSource } from '../fixtures/connectors/counter-source.ts';
import { testBackends } from '../helpers/backends.ts';
import { waitFor } from '../helpers/engine.ts';
import { testApp, type TestApp } from '../helpers/http.ts';
import { startWorker } from '../helpers/workers.ts';

const SECRET = 'tok_http_api_very_secret_31337';

/** The counter source with a secret in its config, so that redaction has something to hide. */
const secretCounter = defineSource({
  configSchema: z.object({ token: z.string().meta({ secret: true }), count: z.number().int(), page_size: z.number().int().positive(), slow_ms: z.number().int().optional() }),
  check: async function* () {
    yield { type: 'connection_status', connection_status: { status: 'succeeded' } };
  },
  discover: (p) => counterSource.discover({ config: { count: p.config.count, page_size: p.config.page_size, retry_at: '2030-01-01T00:00:00.000Z' } }),
  read: (p) =>
    counterSource.read({
      ...p,
      config: { count: p.config.count, page_size: p.config.page_size, retry_at: '2030-01-01T00:00:00.000Z', ...(p.config.slow_ms === undefined ? {} : { slow_ms: p.config.slow_ms }) },
    }),
});

const connectors = { counter: secretCounter, postgres: postgresDestination, stripe: stripeSource } as unknown as ConnectorRegistry;

describe.each(testBackends())('pipelines API (%s)', (backend) => {
  let t: TestApp;
  let dest: string;
  /** Every response body of the test, to prove no secret ever leaves. */
  let bodies: string[];
  let request: TestApp['request'];

  beforeEach(async () => {
    t = await testApp(backend, { pipelines: true, engine: { connectors, runPollMs: 100 } });
    dest = `${t.engine.schema}_dest`;
    bodies = [];
    request = async (path, init) => {
      const res = await t.request(path, init);
      bodies.push(res.text);
      return res;
    };
  });
  afterEach(async () => {
    for (const body of bodies) expect(body).not.toContain(SECRET);
    await t.engine.db.query(`drop schema if exists "${dest}" cascade`).catch(() => {});
    await t.close();
  });

  const pipeline = (over: Record<string, unknown> = {}) => ({
    name: 'counter-to-engine',
    source: { connector: 'counter', config: { token: SECRET, count: 250, page_size: 100 } },
    destination: { connector: 'postgres', config: { schema: dest } },
    streams: ['alpha', 'beta'],
    mode: 'full_refresh',
    ...over,
  });

  test('POST /api/pipelines creates a pipeline (201) and returns it with its secret redacted', async () => {
    const res = await request('/api/pipelines', { method: 'POST', json: pipeline() });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(Number),
      name: 'counter-to-engine',
      source: { connector: 'counter', config: { token: REDACTED, count: 250, page_size: 100 } },
      destination: { connector: 'postgres', config: { schema: dest } },
      streams: ['alpha', 'beta'],
      mode: 'full_refresh',
      schedule: null,
    });
    expect(res.body.created_at).toMatch(/Z$/);
    expect(res.headers.get('location')).toBe(`/api/pipelines/${res.body.id}`);
    // Stored as given: the run needs the real secret.
    const { rows } = await t.engine.db.query<{ source: { config: { token: string } } }>(`select source from "${t.engine.schema}".pipelines`);
    expect(rows[0]!.source.config.token).toBe(SECRET);
  });

  test('GET /api/pipelines lists them with their last run; GET /api/pipelines/{ref} by id or name', async () => {
    const a = (await request('/api/pipelines', { method: 'POST', json: pipeline() })).body;
    await request('/api/pipelines', { method: 'POST', json: pipeline({ name: 'second', schedule: 'every 15m' }) });
    const list = await request('/api/pipelines');
    expect(list.status).toBe(200);
    expect(list.body.data.map((p: { name: string }) => p.name)).toEqual(['counter-to-engine', 'second']);
    expect(list.body.data[0]).toMatchObject({ last_run: null, source: { config: { token: REDACTED } } });
    expect(list.body.data[1]).toMatchObject({ schedule: 'every 15m' });

    const byId = await request(`/api/pipelines/${a.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(a);
    const byName = await request('/api/pipelines/counter-to-engine');
    expect(byName.body).toEqual(a);
  });

  test('bad input is refused with 422 naming the field, never echoing a value, and nothing is stored', async () => {
    const leaked = 'pk_live_publishable_not_secret_key_9876';
    const cases: [string, unknown, string][] = [
      ['an unknown connector', pipeline({ source: { connector: 'nope', config: {} } }), 'source.connector'],
      ['a source as destination', pipeline({ destination: { connector: 'counter', config: {} } }), 'destination.connector'],
      ['missing streams', { ...pipeline(), streams: undefined }, 'streams'],
      ['no streams', pipeline({ streams: [] }), 'streams'],
      ['a bad name', pipeline({ name: 'Has Spaces' }), 'name'],
      ['an unknown field', pipeline({ shedule: 'every 5m' }), ''],
      ['a secret of the wrong type', pipeline({ source: { connector: 'counter', config: { token: [SECRET], count: 1, page_size: 1 } } }), 'source.config.token'],
      ['a bad stripe key', pipeline({ source: { connector: 'stripe', config: { api_key: leaked, api_version: '2026-07-29.dahlia' } } }), 'source.config.api_key'],
      ['a missing destination field', pipeline({ destination: { connector: 'postgres', config: {} } }), 'destination.config.schema'],
      ['a zero interval', pipeline({ schedule: 'every 0s' }), 'schedule'],
      ['a bad cron', pipeline({ schedule: 'not a cron' }), 'schedule'],
    ];
    for (const [what, body, field] of cases) {
      const res = await request('/api/pipelines', { method: 'POST', json: body });
      expect(res.status, `${what}: ${res.text}`).toBe(422);
      expect(res.body.error.code, what).toBe('validation_error');
      expect(Array.isArray(res.body.error.details), what).toBe(true);
      if (field) expect(res.body.error.details.map((d: { field: string }) => d.field), what).toContain(field);
      expect(res.text, what).not.toContain(leaked);
    }
    expect((await request('/api/pipelines')).body.data).toEqual([]);
    const { rows } = await t.engine.db.query<{ n: number }>(`select (select count(*) from "${t.engine.schema}".pipelines)::int + (select count(*) from "${t.engine.schema}".schedules)::int as n`);
    expect(rows[0]!.n).toBe(0);
  });

  test('a duplicate name is a 409', async () => {
    expect((await request('/api/pipelines', { method: 'POST', json: pipeline() })).status).toBe(201);
    const dup = await request('/api/pipelines', { method: 'POST', json: pipeline() });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('already exists') });
  });

  test('starting a run enqueues its job (202); starting again while it is active returns the same job (200)', async () => {
    const p = (await request('/api/pipelines', { method: 'POST', json: pipeline() })).body;
    const first = await request(`/api/pipelines/${p.id}/runs`, { method: 'POST' });
    expect(first.status, first.text).toBe(202);
    expect(first.body).toMatchObject({ created: true, job: { job_type: 'pipeline_run', entity_id: `pipeline:${p.id}`, status: 'pending', payload: { pipeline_id: p.id, trigger: 'api' } } });
    expect(first.headers.get('location')).toBe(`/api/jobs/${first.body.job.id}`);
    const again = await request(`/api/pipelines/${p.name}/runs`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, job: { id: first.body.job.id } });
    // No worker yet: no run either.
    expect((await request(`/api/pipelines/${p.id}/runs`)).body).toEqual({ data: [] });
  });

  test('after a worker ran it, the run shows its totals and each stream’s progress', async () => {
    const p = (await request('/api/pipelines', { method: 'POST', json: pipeline() })).body;
    const started = await request(`/api/pipelines/${p.id}/runs`, { method: 'POST' });
    await startWorker(t.engine, { handlers: {}, concurrency: 2 });
    await waitFor('the run job to succeed', async () => (await request(`/api/jobs/${started.body.job.id}`)).body.status === 'succeeded', 20_000);

    const runs = await request(`/api/pipelines/${p.name}/runs?limit=10`);
    expect(runs.status).toBe(200);
    expect(runs.body.data).toHaveLength(1);
    const runId = runs.body.data[0].id as number;
    const detail = await request(`/api/runs/${runId}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id: runId,
      pipeline_id: p.id,
      job_id: started.body.job.id,
      status: 'succeeded',
      trigger: 'api',
      counts: { records: 500, pages: 6, streams: { succeeded: 2 } },
      error: null,
    });
    expect(detail.body.finished_at).toMatch(/Z$/);
    expect(detail.body.streams).toEqual([
      { stream: 'alpha', status: 'succeeded', records: 250, pages: 3, job_id: expect.any(Number), job_status: 'succeeded', updated_at: expect.stringMatching(/Z$/) },
      { stream: 'beta', status: 'succeeded', records: 250, pages: 3, job_id: expect.any(Number), job_status: 'succeeded', updated_at: expect.stringMatching(/Z$/) },
    ]);
    const list = await request('/api/pipelines');
    expect(list.body.data[0].last_run).toMatchObject({ id: runId, status: 'succeeded', finished_at: expect.stringMatching(/Z$/) });
    const { rows } = await t.engine.db.query<{ n: number }>(`select count(*)::int as n from "${dest}".alpha`);
    expect(rows[0]!.n).toBe(250);
    // A finished run is left as it is by cancel.
    const cancel = await request(`/api/runs/${runId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('succeeded');
  });

  test('cancelling a running run cancels its stream jobs and its own job', async () => {
    const slow = pipeline({ source: { connector: 'counter', config: { token: SECRET, count: 1_000_000, page_size: 10, slow_ms: 50 } } });
    const p = (await request('/api/pipelines', { method: 'POST', json: slow })).body;
    const started = await request(`/api/pipelines/${p.id}/runs`, { method: 'POST' });
    await startWorker(t.engine, { handlers: {}, concurrency: 3 });
    const runId = await waitFor('a stream to make progress', async () => {
      const runs = (await request(`/api/pipelines/${p.id}/runs`)).body.data;
      if (!runs[0]) return undefined;
      const detail = await request(`/api/runs/${runs[0].id}`);
      return detail.body.streams.some((s: { records: number }) => s.records > 0) ? (runs[0].id as number) : undefined;
    }, 20_000);
    const running = await request(`/api/runs/${runId}`);
    expect(running.body.status).toBe('running');
    expect(running.body.counts.records).toBeGreaterThan(0);

    const cancelled = await request(`/api/runs/${runId}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.finished_at).toMatch(/Z$/);
    expect(cancelled.body.streams.map((s: { job_status: string }) => s.job_status)).toEqual(['cancelled', 'cancelled']);
    expect((await request(`/api/jobs/${started.body.job.id}`)).body.status).toBe('cancelled');
    // The pipeline can run again.
    expect((await request(`/api/pipelines/${p.id}/runs`, { method: 'POST' })).status).toBe(202);
  });

  test('unknown pipelines and runs are 404s; malformed references 422', async () => {
    for (const [method, path] of [
      ['GET', '/api/pipelines/nope'],
      ['GET', '/api/pipelines/987654'],
      ['POST', '/api/pipelines/nope/runs'],
      ['GET', '/api/pipelines/nope/runs'],
      ['GET', '/api/runs/987654'],
      ['POST', '/api/runs/987654/cancel'],
    ] as const) {
      const res = await request(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    for (const path of ['/api/runs/abc', '/api/runs/0', '/api/pipelines/99999999999999999999', "/api/pipelines/x';drop%20table%20pipelines;--", '/api/pipelines/x/runs?limit=0']) {
      const res = await request(path);
      expect(res.status, path).toBe(422);
      expect(res.body.error.code).toBe('validation_error');
    }
  });

  test('the routes are in the OpenAPI document, and absent when the app is given no pipelines', async () => {
    const doc = (await request('/openapi.json')).body;
    for (const path of ['/api/pipelines', '/api/pipelines/{ref}', '/api/pipelines/{ref}/runs', '/api/runs/{id}', '/api/runs/{id}/cancel']) expect(Object.keys(doc.paths)).toContain(path);
    expect(doc.components.schemas).toHaveProperty('PipelineInput');
    expect(doc.components.schemas).toHaveProperty('RunDetail');

    const plain = await testApp(backend);
    try {
      expect((await plain.request('/api/pipelines')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
