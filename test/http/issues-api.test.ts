/**
 * The two-way sync API over HTTP, on both backends: connections (201, secrets never in a response, bad
 * input 422 naming the field and nothing stored), local issues created and edited through the API with
 * their outbox entries and sync log, optimistic versions (409), the refusals (delete where the provider
 * cannot; replay of an entry that is not dead), the webhook endpoint's 401/404/422, and the OpenAPI
 * document listing it all. No provider is called here: no worker runs (end to end is test/twoway/e2e).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { testBackends } from '../helpers/backends.ts';
import { testApp, type TestApp } from '../helpers/http.ts';

const TOKEN = 'ghp_api_test_secret_token_4242';
const HOOK_SECRET = 'hook-secret-do-not-leak-77';

const connectionBody = (over: Record<string, unknown> = {}) => ({
  name: 'octo',
  provider: 'github',
  config: { base_url: 'http://127.0.0.1:9', repo: 'octocat/hello-world', token: TOKEN, webhook_secret: HOOK_SECRET },
  ...over,
});

describe.each(testBackends())('two-way sync API (%s)', (backend) => {
  let t: TestApp;
  const bodies: string[] = [];
  const call: TestApp['request'] = async (path, init) => {
    const res = await t.request(path, init);
    bodies.push(res.text);
    return res;
  };

  beforeEach(async () => {
    t = await testApp(backend, { twoway: true, jobTypes: [] });
    bodies.length = 0;
  });
  afterEach(async () => {
    // No response of any test ever carried a secret.
    for (const b of bodies) {
      expect(b).not.toContain(TOKEN);
      expect(b).not.toContain(HOOK_SECRET);
    }
    await t.close();
  });

  test('a connection is created with its poll schedule and shown with secrets redacted; bad input is 422 naming the field and stores nothing', async () => {
    const created = await call('/api/connections', { method: 'POST', json: connectionBody() });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/connections/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'octo', provider: 'github', poll_interval_seconds: 900, webhook_path: `/webhooks/github/${created.body.id}` });
    expect(created.body.config).toMatchObject({ token: '********', webhook_secret: '********', repo: 'octocat/hello-world' });
    const byName = await call('/api/connections/octo');
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ id: created.body.id, rejected_webhooks: 0 });
    expect((await call('/api/connections')).body.data).toHaveLength(1);
    expect((await call('/api/connections/nope')).status).toBe(404);

    const bad: [Record<string, unknown>, string][] = [
      [connectionBody({ name: 'x1', provider: 'bitbucket' }), 'provider'],
      [connectionBody({ name: 'x2', config: { ...connectionBody().config, webhook_secret: 'short' } }), 'config.webhook_secret'],
      [connectionBody({ name: 'x3', poll_interval_seconds: 0 }), 'poll_interval_seconds'],
      [{ ...connectionBody({ name: 'x4' }), polll_interval_seconds: 60 }, 'polll_interval_seconds'],
      [connectionBody({ name: 'octo' }), 'name'],
    ];
    for (const [input, field] of bad) {
      const res = await call('/api/connections', { method: 'POST', json: input });
      expect(res.status, field).toBe(422);
      expect(res.body.error.code).toBe('validation_error');
      expect(JSON.stringify(res.body.error.details), field).toContain(field.split('.').at(-1)!);
    }
    expect((await call('/api/connections')).body.data).toHaveLength(1);
    const { rows } = await t.engine.db.query(`select name, every_seconds from "${t.engine.schema}".schedules`);
    expect(rows).toEqual([{ name: `issues-poll:${created.body.id}`, every_seconds: 900 }]);

    // Poll now: enqueued once (202), the same job while it is queued (200); a full poll takes a body.
    const poll = await call('/api/connections/octo/poll', { method: 'POST' });
    expect(poll.status).toBe(202);
    expect(poll.body.job).toMatchObject({ job_type: 'issue_poll', entity_id: `connection:${created.body.id}`, status: 'pending' });
    const again = await call('/api/connections/octo/poll', { method: 'POST', json: { full: true } });
    expect(again.status).toBe(200);
    expect(again.body.job.id).toBe(poll.body.job.id);
    expect((await call('/api/connections/octo/poll', { method: 'POST', json: { fulll: true } })).status).toBe(422);
  });

  test('a local issue is created and edited through the API: each change commits with its outbox entry and a log line; stale versions and bad fields are refused', async () => {
    const conn = (await call('/api/connections', { method: 'POST', json: connectionBody() })).body;
    const created = await call(`/api/connections/${conn.id}/issues`, { method: 'POST', json: { title: 'From the API', labels: ['ops', 'ops'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'From the API', body: '', state: 'open', labels: ['ops'], external_id: null, sync_status: 'pending' });
    const id = created.body.id as number;

    for (const [input, field] of [
      [{}, 'title'],
      [{ title: 'x', titel: 'typo' }, 'titel'],
      [{ title: 'x', state: 'done' }, 'state'],
    ] as const) {
      const res = await call(`/api/connections/${conn.id}/issues`, { method: 'POST', json: input });
      expect(res.status, field).toBe(422);
      expect(JSON.stringify(res.body.error.details)).toContain(field);
    }
    expect((await call('/api/issues')).body.data).toHaveLength(1);

    const v = created.body.local_version as number;
    const edited = await call(`/api/issues/${id}?if_version=${v}`, { method: 'PATCH', json: { state: 'closed', assignees: ['octocat'] } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ state: 'closed', assignees: ['octocat'] });
    const stale = await call(`/api/issues/${id}?if_version=${v}`, { method: 'PATCH', json: { title: 'lost update' } });
    expect(stale.status).toBe(409);
    expect((await call(`/api/issues/${id}`, { method: 'PATCH', json: {} })).status).toBe(422);
    expect((await call(`/api/issues/${id}`, { method: 'PATCH', json: { bogus: 1 } })).status).toBe(422);
    expect((await call('/api/issues/999999', { method: 'PATCH', json: { title: 'x' } })).status).toBe(404);

    const detail = await call(`/api/issues/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.issue).toMatchObject({ title: 'From the API', state: 'closed' });
    expect(detail.body.outbox.map((e: { op: string; status: string }) => [e.op, e.status])).toEqual([
      ['update', 'pending'],
      ['create', 'pending'],
    ]);
    expect(detail.body.log.map((l: { direction: string; action: string }) => `${l.direction}:${l.action}`)).toEqual(['local:edited', 'local:created']);
    expect((await call('/api/outbox?status=pending')).body.data).toHaveLength(2);
    expect((await call(`/api/sync-log?issue=${id}`)).body.data).toHaveLength(2);
    expect((await call('/api/conflicts?status=open')).body.data).toEqual([]);
    expect((await call('/api/issues?status=pending')).body.data).toHaveLength(1);
    expect((await call('/api/issues?status=bogus')).status).toBe(422);

    // Replaying an entry that is not dead is refused; so is an unknown one.
    const entry = detail.body.outbox[0];
    expect((await call(`/api/outbox/${entry.id}/replay`, { method: 'POST' })).status).toBe(409);
    expect((await call('/api/outbox/999999/replay', { method: 'POST' })).status).toBe(404);

    // Deleting an issue the provider never had is local; the mirror keeps it as deleted.
    const deleted = await call(`/api/issues/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.deleted_at).not.toBeNull();
    expect((await call('/api/issues')).body.data).toEqual([]);
    expect((await call('/api/issues?include_deleted=true')).body.data).toHaveLength(1);
  });

  test('the webhook endpoint: no signature is 401 and counted, an unknown connection or provider mismatch 404, an unknown provider 422; nothing stored', async () => {
    const conn = (await call('/api/connections', { method: 'POST', json: connectionBody() })).body;
    const payload = JSON.stringify({ action: 'opened', issue: { number: 1 } });
    const headers = { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'd-1' };
    const unsigned = await call(`/webhooks/github/${conn.id}`, { method: 'POST', headers, body: payload });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('auth_error');
    const forged = await call(`/webhooks/github/${conn.id}`, { method: 'POST', headers: { ...headers, 'x-hub-signature-256': `sha256=${'ab'.repeat(32)}` }, body: payload });
    expect(forged.status).toBe(401);
    expect((await call(`/webhooks/gitea/${conn.id}`, { method: 'POST', headers, body: payload })).status).toBe(404);
    expect((await call('/webhooks/github/424242', { method: 'POST', headers, body: payload })).status).toBe(404);
    const unknown = await call(`/webhooks/bitbucket/${conn.id}`, { method: 'POST', headers, body: payload });
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(unknown.body.error.details)).toContain('provider');
    expect((await call(`/api/connections/${conn.id}`)).body.rejected_webhooks).toBe(2);
    const { rows } = await t.engine.db.query(`select count(*)::int as n from "${t.engine.schema}".webhook_deliveries`);
    expect(rows[0]).toEqual({ n: 0 });
  });

  test('the OpenAPI document lists the two-way routes', async () => {
    const doc = (await call('/openapi.json')).body;
    for (const path of ['/api/connections', '/api/connections/{ref}/poll', '/api/issues/{id}', '/api/conflicts/{id}/resolve', '/api/outbox/{id}/replay', '/api/sync-log', '/webhooks/{provider}/{connection_id}']) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
  });
});
