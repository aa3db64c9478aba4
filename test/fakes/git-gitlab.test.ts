/**
 * The fake GitLab as a plain fetch client sees it (reference gitlab.md): `PRIVATE-TOKEN` and Bearer auth, projects by
 * id or encoded path, issue CRUD by `iid` with `state_event`, `labels`/`add_labels`/`remove_labels` and
 * `assignee_ids`, offset paging whose `X-*` headers and Link follow GitLab's header builder and visit every issue
 * once, `updated_after`, `RateLimit-*` headers and Rack::Attack's plain 429, weak ETags with If-None-Match ignored,
 * and Issue Hooks whose `X-Gitlab-Token` is the secret itself, with the fixtures' keys; lost, duplicated and
 * reordered deliveries.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/fakes/git/common/receiver.ts';
import { startFakeGitLab, type FakeGitLab } from '../../src/fakes/git/gitlab/index.ts';

const PROJECT = 'gitlab-org/hello-world';
const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const SECRET = '9edf3260d727e29d906bdb10c8a099a';
// Real recorded payloads, copied from the shared reference with their SOURCE.md.
const FIXTURES = resolve(import.meta.dirname, '../fixtures/gitlab-webhooks');
const withFixtures = test;

interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

let fake: FakeGitLab;
let clock: number;
let hook: WebhookReceiver;

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; auth?: Record<string, string> | null } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(init.auth === null ? {} : (init.auth ?? { 'private-token': 'glpat-test' })), ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const url = path.startsWith('http') ? path : `${fake.url}/api/v4${path}`;
  const res = await fetch(url, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, text, body };
}

function links(header: string | null): { rels: string[]; url: Record<string, string> } {
  const url: Record<string, string> = {};
  const rels: string[] = [];
  for (const part of (header ?? '').split(', ').filter(Boolean)) {
    const m = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (!m) throw new Error(`bad link part ${JSON.stringify(part)}`);
    url[m[2]!] = m[1]!;
    rels.push(m[2]!);
  }
  return { rels, url };
}

/** GitLab signs nothing: the receiver compares the token header with its secret, in constant time. */
function verifyToken(header: unknown, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const a = Buffer.from(header);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

const pageHeaders = (r: Res) => Object.fromEntries(['x-page', 'x-per-page', 'x-next-page', 'x-prev-page', 'x-total', 'x-total-pages'].map((k) => [k, r.headers.get(k)]));

beforeEach(async () => {
  clock = START;
  fake = await startFakeGitLab({ now: () => clock, rateLimit: null });
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  await fake.close();
  await hook.close();
});

describe('authentication', () => {
  test('PRIVATE-TOKEN, Bearer and ?private_token= work; anything else is GitLab’s 401', async () => {
    await fake.close();
    fake = await startFakeGitLab({ tokens: ['glpat-good'] });
    expect((await api('/projects/1/issues', { auth: { 'private-token': 'glpat-good' } })).status).toBe(200);
    expect((await api('/projects/1/issues', { auth: { authorization: 'Bearer glpat-good' } })).status).toBe(200);
    expect((await api('/projects/1/issues?private_token=glpat-good', { auth: null })).status).toBe(200);
    const bad = await api('/projects/1/issues', { auth: { 'private-token': 'nope' } });
    expect(bad).toMatchObject({ status: 401, body: { message: '401 Unauthorized' } });
  });
});

describe('issues', () => {
  test('create, get and edit by iid: labels by name (made on first use), assignees by id, state_event', async () => {
    const alice = fake.store.user('alice');
    const created = await api(`/projects/${encodeURIComponent(PROJECT)}/issues`, { method: 'POST', body: { title: 'Login fails', description: 'On Safari', labels: 'bug,auth', assignee_ids: [alice.id] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ iid: 1, project_id: 1, state: 'opened', description: 'On Safari', labels: ['bug', 'auth'], created_at: '2026-01-15T12:00:00.000Z', closed_at: null, references: { full: `${PROJECT}#1` } });
    expect(created.body.id).not.toBe(created.body.iid);
    expect(created.body.assignees.map((u: any) => u.username)).toEqual(['alice']);
    expect(created.body.web_url).toBe(`${fake.url}/${PROJECT}/-/issues/1`);

    clock += 2_500;
    const closed = await api('/projects/1/issues/1', { method: 'PUT', body: { state_event: 'close', add_labels: 'wontfix', remove_labels: 'auth', assignee_ids: [] } });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', closed_at: '2026-01-15T12:00:02.500Z', labels: ['bug', 'wontfix'], assignees: [], closed_by: { username: 'root' } });
    // Closing again is a no-op 200 (reference §3); reopening works through the query string too.
    expect((await api('/projects/1/issues/1?state_event=close', { method: 'PUT' })).body.updated_at).toBe('2026-01-15T12:00:02.500Z');
    expect((await api('/projects/1/issues/1?state_event=reopen', { method: 'PUT' })).body.state).toBe('opened');
    const details = await api('/projects/1/issues/1?with_labels_details=true');
    expect(details.body.labels[0]).toMatchObject({ name: 'bug', color: expect.stringMatching(/^#/) });
    expect((await api('/projects/1/issues/1', { method: 'PUT', body: { labels: '' } })).body.labels).toEqual([]);
  });

  test('errors: Grape’s 400s, 404 for a project, an issue and a route, 204 on delete', async () => {
    expect((await api('/projects/1/issues', { method: 'POST', body: { description: 'x' } })).body).toEqual({ error: 'title is missing' });
    fake.store.create(PROJECT, { title: 't' });
    const none = await api('/projects/1/issues/1', { method: 'PUT', body: {} });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatch(/at least one parameter must be provided$/);
    expect((await api('/projects/1/issues/1', { method: 'PUT', body: { state_event: 'shut' } })).body).toEqual({ error: 'state_event does not have a valid value' });
    expect((await api('/projects/99/issues')).body).toEqual({ message: '404 Project Not Found' });
    expect((await api('/projects/1/issues/42')).body).toEqual({ message: '404 Not found' });
    expect((await api('/nope')).body).toEqual({ error: '404 Not Found' });
    expect((await api('/projects/1/issues/1', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/projects/1/issues/1')).status).toBe(404);
  });
});

describe('lists', () => {
  test('following rel="next" visits every issue once, with GitLab’s X-* headers and Link', async () => {
    fake.store.seed(PROJECT, 45);
    const first = await api('/projects/1/issues?order_by=updated_at&sort=asc&per_page=20');
    expect(pageHeaders(first)).toEqual({ 'x-page': '1', 'x-per-page': '20', 'x-next-page': '2', 'x-prev-page': '', 'x-total': '45', 'x-total-pages': '3' });
    expect(links(first.headers.get('link')).rels).toEqual(['next', 'first', 'last']);
    expect(links(first.headers.get('link')).url.next).toBe(`${fake.url}/api/v4/projects/1/issues?id=1&order_by=updated_at&page=2&per_page=20&sort=asc`);
    const second = await api(links(first.headers.get('link')).url.next!);
    expect(links(second.headers.get('link')).rels).toEqual(['prev', 'next', 'first', 'last']);

    const seen: number[] = [];
    let url: string | undefined = '/projects/1/issues?order_by=updated_at&sort=asc&per_page=20';
    let last: Res | undefined;
    while (url) {
      last = await api(url);
      seen.push(...last.body.map((i: any) => i.iid));
      url = links(last.headers.get('link')).url.next;
    }
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(pageHeaders(last!)).toMatchObject({ 'x-page': '3', 'x-next-page': '', 'x-prev-page': '2' });
    expect(links(last!.headers.get('link')).rels).toEqual(['prev', 'first', 'last']);
  });

  test('defaults: every state, newest created first, 20 a page; per_page is clamped to 100; an empty list is one page', async () => {
    fake.store.seed(PROJECT, 130);
    const def = await api('/projects/1/issues');
    expect(def.body).toHaveLength(20);
    expect(def.body[0].iid).toBe(130);
    expect(new Set(def.body.map((i: any) => i.state))).toEqual(new Set(['opened', 'closed']));
    const big = await api('/projects/1/issues?per_page=1000');
    expect(big.body).toHaveLength(100);
    expect(big.headers.get('x-per-page')).toBe('100');
    expect((await api('/projects/1/issues?state=closed&labels=bug')).body.every((i: any) => i.state === 'closed' && i.labels.includes('bug'))).toBe(true);
    expect((await api('/projects/1/issues?state=open')).status).toBe(400);
    const empty = await api('/projects/1/issues?search=nothing-matches');
    expect(pageHeaders(empty)).toMatchObject({ 'x-total': '0', 'x-total-pages': '1', 'x-next-page': '' });
  });

  test('above 10 000 matches the totals and rel="last" are left out', async () => {
    fake.store.seed(PROJECT, 10_001, { stepMs: 1 });
    const res = await api('/projects/1/issues?per_page=1');
    expect(res.headers.get('x-total')).toBeNull();
    expect(res.headers.get('x-total-pages')).toBeNull();
    expect(res.headers.get('x-next-page')).toBe('2');
    expect(links(res.headers.get('link')).rels).toEqual(['next', 'first']);
  });

  test('updated_after is inclusive at millisecond precision; a bad timestamp is a 400', async () => {
    fake.store.seed(PROJECT, 3, { stepMs: 1_000 });
    clock += 10_500;
    fake.store.remoteEdit(PROJECT, 1, { title: 'later' });
    const res = await api('/projects/1/issues?order_by=updated_at&sort=asc&updated_after=2026-01-15T11:59:59.000Z');
    expect(res.body.map((i: any) => [i.iid, i.updated_at])).toEqual([
      [2, '2026-01-15T11:59:59.000Z'],
      [3, '2026-01-15T12:00:00.000Z'],
      [1, '2026-01-15T12:00:10.500Z'],
    ]);
    expect((await api('/projects/1/issues?updated_after=soon')).body).toEqual({ error: 'updated_after is invalid' });
  });
});

describe('rate limits, ETags and faults', () => {
  test('RateLimit-* on every answer; past the limit a plain-text 429 with Retry-After and RateLimit-ResetTime', async () => {
    await fake.close();
    fake = await startFakeGitLab({ now: () => clock, rateLimit: { limit: 2, windowSeconds: 60 } });
    const ok = await api('/projects/1/issues');
    expect(Object.fromEntries(['name', 'limit', 'observed', 'remaining', 'reset'].map((k) => [k, ok.headers.get(`ratelimit-${k}`)]))).toEqual({
      name: 'throttle_authenticated_api',
      limit: '2',
      observed: '1',
      remaining: '1',
      reset: String((START + 60_000) / 1000),
    });
    await api('/projects/1/issues');
    const limited = await api('/projects/1/issues');
    expect(limited.status).toBe(429);
    expect(limited.text).toBe('Retry later\n');
    expect(limited.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('ratelimit-resettime')).toBe(new Date(START + 60_000).toUTCString());
    // Rack::Attack counts refused requests too.
    expect(limited.headers.get('ratelimit-observed')).toBe('3');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    clock += 60_000;
    expect((await api('/projects/1/issues')).status).toBe(200);
  });

  test('weak ETags; If-None-Match is ignored unless asked to honour it', async () => {
    const first = await api('/projects/1/issues');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect((await api('/projects/1/issues', { headers: { 'if-none-match': etag } })).status).toBe(200);
    await fake.close();
    fake = await startFakeGitLab({ now: () => clock, honorIfNoneMatch: true });
    const again = await api('/projects/1/issues', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  test('injected 5xx and 429', async () => {
    fake.faults.inject(1, 'server_error', { status: 500, method: 'PUT' });
    fake.faults.inject(1, 'rate_limit', { retryAfterSeconds: 3 });
    fake.store.create(PROJECT, { title: 't' });
    expect(await api('/projects/1/issues/1', { method: 'PUT', body: { title: 'u' } })).toMatchObject({ status: 500, body: { message: '500 Internal Server Error' } });
    expect(fake.store.get(PROJECT, 1)!.title).toBe('t');
    const limited = await api('/projects/1/issues');
    expect(limited).toMatchObject({ status: 429, text: 'Retry later\n' });
    expect(limited.headers.get('retry-after')).toBe('3');
  });
});

describe('webhooks', () => {
  test('Issue Hooks carry the secret itself in X-Gitlab-Token and GitLab’s headers; actions open/update/close/reopen', async () => {
    fake.webhooks.subscribe(PROJECT, { url: hook.url, secret: SECRET });
    await api('/projects/1/issues', { method: 'POST', body: { title: 'Crash' } });
    clock += 1_000;
    await api('/projects/1/issues/1', { method: 'PUT', body: { description: 'details', add_labels: 'bug' } });
    clock += 1_000;
    await api('/projects/1/issues/1', { method: 'PUT', body: { state_event: 'close' } });
    clock += 1_000;
    fake.store.remoteEdit(PROJECT, 1, { state: 'open' }, 'sytses');
    await fake.webhooks.flush();
    expect(hook.received).toHaveLength(4);
    for (const d of hook.received) {
      expect(verifyToken(d.headers['x-gitlab-token'], SECRET)).toBe(true);
      expect(verifyToken(d.headers['x-gitlab-token'], 'other')).toBe(false);
      expect(d.headers).toMatchObject({ 'x-gitlab-event': 'Issue Hook', 'x-gitlab-instance': fake.url, 'content-type': 'application/json' });
      expect(d.headers['x-gitlab-webhook-uuid']).toBe(fake.webhooks.hooks(PROJECT)[0]!.uuid);
      expect(d.headers['user-agent']).toMatch(/^GitLab\//);
      expect(d.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const bodies = hook.received.map((d) => JSON.parse(d.text));
    expect(bodies.map((b) => b.object_attributes.action)).toEqual(['open', 'update', 'close', 'reopen']);
    expect(bodies[0].changes).toEqual({});
    expect(bodies[1].changes).toMatchObject({ description: { previous: null, current: 'details' }, labels: { previous: [], current: [{ title: 'bug', type: 'ProjectLabel' }] }, updated_at: { previous: '2026-01-15 12:00:00 UTC', current: '2026-01-15 12:00:01 UTC' } });
    expect(bodies[2].changes).toMatchObject({ state: { previous: 'opened', current: 'closed' }, closed_at: { previous: null, current: '2026-01-15 12:00:02 UTC' } });
    expect(bodies[3]).toMatchObject({ user: { username: 'sytses' }, object_attributes: { state: 'opened', state_id: 1 } });
  });

  test('a hook made through the API gets issues only when issues_events is on', async () => {
    const pushOnly = await api('/projects/1/hooks', { method: 'POST', body: { url: `${hook.url}?push`, token: 'a' } });
    expect(pushOnly.body).toMatchObject({ push_events: true, issues_events: false });
    const issues = await api('/projects/1/hooks', { method: 'POST', body: { url: `${hook.url}?issues`, token: 'b', issues_events: true } });
    expect(issues.status).toBe(201);
    fake.store.remoteCreate(PROJECT, { title: 'x' });
    await fake.webhooks.flush();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.headers['x-gitlab-token']).toBe('b');
  });

  withFixtures('payloads have the key sets of the fixtures for the same action', async () => {
    const fixture = (name: string) => JSON.parse(readFileSync(resolve(FIXTURES, `issue.${name}.json`), 'utf8'));
    fake.webhooks.subscribe(PROJECT, { url: hook.url, secret: SECRET });
    fake.store.remoteCreate(PROJECT, { title: 'found a bug', body: 'everything is broken' });
    clock += 1_000;
    fake.store.remoteEdit(PROJECT, 1, { body: 'website is broken' });
    clock += 1_000;
    fake.store.remoteEdit(PROJECT, 1, { add_labels: ['critical'] });
    clock += 1_000;
    fake.store.remoteEdit(PROJECT, 1, { state: 'closed' });
    clock += 1_000;
    fake.store.remoteEdit(PROJECT, 1, { state: 'open' });
    await fake.webhooks.flush();
    const [open, description, labels, close, reopen] = hook.received.map((d) => JSON.parse(d.text));
    const pairs: [string, any][] = [
      ['open', open],
      ['update.description', description],
      ['update.labels', labels],
      ['close', close],
      ['reopen', reopen],
    ];
    // 2017-era fixtures: no event_type yet, no assignees (none are assigned here); object_attributes still had
    // branch_name and deleted_at, long gone (reference §7 and the fixtures' SOURCE.md).
    const gone = new Set(['branch_name', 'deleted_at']);
    for (const [name, got] of pairs) {
      const want = fixture(name);
      expect(Object.keys(got).filter((k) => k !== 'event_type'), name).toEqual(Object.keys(want));
      expect(Object.keys(got.object_attributes), name).toEqual(expect.arrayContaining(Object.keys(want.object_attributes).filter((k) => !gone.has(k))));
      expect(got.object_attributes.action, name).toBe(want.object_attributes.action);
      expect(Object.keys(got.project), name).toEqual(Object.keys(want.project));
      expect(Object.keys(got.repository), name).toEqual(Object.keys(want.repository));
      expect(Object.keys(got.user), name).toEqual(expect.arrayContaining(Object.keys(want.user)));
      const wantChanges = Object.keys(want.changes).filter((k) => !(name === 'close' || name === 'reopen') || k !== 'labels');
      expect(Object.keys(got.changes), name).toEqual(expect.arrayContaining(wantChanges));
      if (want.labels.length) expect(Object.keys(got.labels[0]), name).toEqual(Object.keys(want.labels[0]));
    }
    expect(close.object_attributes.closed_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
  });

  test('flush can lose, duplicate (same Idempotency-Key) and reorder deliveries', async () => {
    fake.webhooks.subscribe(PROJECT, { url: hook.url, secret: SECRET });
    for (let i = 1; i <= 5; i++) fake.store.remoteCreate(PROJECT, { title: `t${i}` });
    const records = await fake.webhooks.flush({ order: 'shuffle', duplicates: 2, drop: 0.4 });
    const dropped = records.filter((r) => r.dropped).map((r) => r.issue_number);
    const kept = hook.received.slice(0, 5 - dropped.length).map((d) => JSON.parse(d.text).object_attributes.iid);
    expect(dropped.length).toBeGreaterThan(0);
    expect(kept).not.toEqual([...kept].sort());
    expect(hook.received).toHaveLength((5 - dropped.length) * 3);
    expect([...kept, ...dropped].sort()).toEqual([1, 2, 3, 4, 5]);
    const keys = hook.received.map((d) => d.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(5 - dropped.length);
    expect(keys.slice(5 - dropped.length, 2 * (5 - dropped.length))).toEqual(keys.slice(0, 5 - dropped.length));
    // The same seed loses and shuffles the same way.
    const again = await startFakeGitLab({ rateLimit: null });
    const r2 = await startWebhookReceiver();
    again.webhooks.subscribe(PROJECT, { url: r2.url });
    for (let i = 1; i <= 5; i++) again.store.remoteCreate(PROJECT, { title: `t${i}` });
    const records2 = await again.webhooks.flush({ order: 'shuffle', duplicates: 2, drop: 0.4 });
    expect(records2.filter((r) => r.dropped).map((r) => r.issue_number)).toEqual(dropped);
    expect(r2.received.slice(0, kept.length).map((d) => JSON.parse(d.text).object_attributes.iid)).toEqual(kept);
    await again.close();
    await r2.close();
  });
});
