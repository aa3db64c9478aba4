/**
 * The fake GitHub as a plain fetch client sees it (reference github.md): token auth and its 401s, issue CRUD with
 * labels and assignees, Link-header paging that visits every issue exactly once (pull requests marked by their
 * `pull_request` key), `since`, `x-ratelimit-*` headers and the 403/429 when they run out, ETag → 304 that costs
 * nothing, injected faults, and `issues` webhooks whose `X-Hub-Signature-256` verifies with an independent check,
 * reproduces the docs' test vector, and whose payloads have the fixtures' keys; deliveries can be lost, duplicated
 * and reordered.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/fakes/git/common/receiver.ts';
import { signatureHeader256, signatureHeaderSha1, startFakeGitHub, type FakeGitHub } from '../../src/fakes/git/github/index.ts';

const REPO = 'octocat/hello-world';
const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const SECRET = 'hook-secret';
// Real payloads: a copy in test/fixtures when there is one, else the shared reference (SOURCE.md explains them).
// Real recorded payloads, copied from the shared reference with their SOURCE.md.
const FIXTURES = resolve(import.meta.dirname, '../fixtures/github-webhooks');
const withFixtures = test;

interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

let fake: FakeGitHub;
let clock: number;
let hook: WebhookReceiver;

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; token?: string | null } = {}): Promise<Res> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', ...init.headers };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? 'ghp_test'}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path.startsWith('http') ? path : `${fake.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** rel → URL from a Link header, plus the rels in their order. */
function links(header: string | null): { rels: string[]; url: Record<string, string> } {
  const url: Record<string, string> = {};
  const rels: string[] = [];
  for (const part of (header ?? '').split(', ').filter(Boolean)) {
    const m = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (!m) throw new Error(`bad link part ${part}`);
    url[m[2]!] = m[1]!;
    rels.push(m[2]!);
  }
  return { rels, url };
}

/** What a receiver should do: HMAC-SHA256 of the raw bytes with the secret, `sha256=` hex, constant-time compare. */
function verify(raw: Buffer, header: unknown, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

beforeEach(async () => {
  clock = START;
  fake = await startFakeGitHub({ now: () => clock, rateLimit: null });
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  await fake.close();
  await hook.close();
});

describe('authentication', () => {
  test('Bearer and token schemes both work; a missing or unknown token is a 401 with GitHub’s body', async () => {
    await fake.close();
    fake = await startFakeGitHub({ tokens: ['ghp_good'], rateLimit: null });
    expect((await api(`/repos/${REPO}/issues`, { token: 'ghp_good' })).status).toBe(200);
    expect((await api(`/repos/${REPO}/issues`, { token: null, headers: { authorization: 'token ghp_good' } })).status).toBe(200);
    const bad = await api(`/repos/${REPO}/issues`, { token: 'ghp_bad' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ message: 'Bad credentials', documentation_url: expect.stringContaining('docs.github.com') });
    expect((await api(`/repos/${REPO}/issues`, { token: null })).status).toBe(401);
  });

  test('an unsupported API version is a 400; no User-Agent is a 403', async () => {
    expect((await api(`/repos/${REPO}/issues`, { headers: { 'x-github-api-version': '2020-01-01' } })).status).toBe(400);
    // fetch always sends a User-Agent; an empty one counts as none.
    const noAgent = await api(`/repos/${REPO}/issues`, { headers: { 'user-agent': '' } });
    expect(noAgent.status).toBe(403);
    expect(noAgent.text).toMatch(/User-Agent/);
  });
});

describe('issues', () => {
  test('create, get and update, with labels and assignees as sets', async () => {
    const created = await api(`/repos/${REPO}/issues`, { method: 'POST', body: { title: 'Broken link', body: 'On the home page', labels: ['bug', { name: 'docs' }], assignees: ['alice'] } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(created.body.url);
    expect(created.body).toMatchObject({ number: 1, title: 'Broken link', state: 'open', body: 'On the home page', closed_at: null, created_at: '2026-01-15T12:00:00Z' });
    expect(created.body.id).not.toBe(created.body.number);
    expect(created.body.labels.map((l: any) => l.name)).toEqual(['bug', 'docs']);
    expect(created.body.labels[0]).toMatchObject({ color: expect.stringMatching(/^[0-9a-f]{6}$/), url: expect.stringContaining('/labels/bug') });
    expect(created.body.assignees.map((u: any) => u.login)).toEqual(['alice']);
    expect(created.body.pull_request).toBeUndefined();

    clock += 5_000;
    const patched = await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { title: 'Broken link in footer', state: 'closed', state_reason: 'not_planned', labels: ['docs', 'ui'], assignees: [] } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: 'Broken link in footer', state: 'closed', state_reason: 'not_planned', closed_at: '2026-01-15T12:00:05Z', updated_at: '2026-01-15T12:00:05Z', assignees: [], assignee: null });
    expect(patched.body.labels.map((l: any) => l.name)).toEqual(['docs', 'ui']);

    clock += 1_000;
    const reopened = await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { state: 'open' } });
    expect(reopened.body).toMatchObject({ state: 'open', closed_at: null, state_reason: 'reopened' });
    const got = await api(`/repos/${REPO}/issues/1`);
    expect(got.body).toMatchObject({ title: 'Broken link in footer', closed_by: null, updated_at: '2026-01-15T12:00:06Z' });
  });

  test('the label and assignee sub-resources answer with their own statuses', async () => {
    await api(`/repos/${REPO}/issues`, { method: 'POST', body: { title: 'x', labels: ['a'] } });
    const added = await api(`/repos/${REPO}/issues/1/labels`, { method: 'POST', body: { labels: ['b', 'c'] } });
    expect(added.status).toBe(200);
    expect(added.body.map((l: any) => l.name)).toEqual(['a', 'b', 'c']);
    const removed = await api(`/repos/${REPO}/issues/1/labels/b`, { method: 'DELETE' });
    expect(removed.body.map((l: any) => l.name)).toEqual(['a', 'c']);
    expect((await api(`/repos/${REPO}/issues/1/labels/nope`, { method: 'DELETE' })).status).toBe(404);
    const replaced = await api(`/repos/${REPO}/issues/1/labels`, { method: 'PUT', body: { labels: ['z'] } });
    expect(replaced.body.map((l: any) => l.name)).toEqual(['z']);
    expect((await api(`/repos/${REPO}/issues/1/labels`, { method: 'DELETE' })).status).toBe(204);
    const assigned = await api(`/repos/${REPO}/issues/1/assignees`, { method: 'POST', body: { assignees: ['bob', 'carol'] } });
    expect(assigned.status).toBe(201);
    const unassigned = await api(`/repos/${REPO}/issues/1/assignees`, { method: 'DELETE', body: { assignees: ['bob'] } });
    expect(unassigned.status).toBe(200);
    expect(unassigned.body.assignees.map((u: any) => u.login)).toEqual(['carol']);
  });

  test('errors: 404 for unknown repositories, issues and trailing slashes; 410 once deleted; 400 and 422 for bad bodies', async () => {
    fake.store.create(REPO, { title: 'doomed' });
    expect((await api('/repos/octocat/nope/issues')).body).toMatchObject({ message: 'Not Found' });
    expect((await api(`/repos/${REPO}/issues/99`)).status).toBe(404);
    expect((await api(`/repos/${REPO}/issues/`)).status).toBe(404);
    fake.store.remoteDelete(REPO, 1);
    expect((await api(`/repos/${REPO}/issues/1`)).status).toBe(410);
    expect((await api(`/repos/${REPO}/issues`, { method: 'POST', body: '{oops' })).body).toMatchObject({ message: 'Problems parsing JSON' });
    expect((await api(`/repos/${REPO}/issues`, { method: 'POST', body: [] })).body).toMatchObject({ message: 'Body should be a JSON object' });
    const missing = await api(`/repos/${REPO}/issues`, { method: 'POST', body: { body: 'no title' } });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }] });
    expect((await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { state: 'done' } })).status).toBe(410);
  });
});

describe('lists', () => {
  test('following rel="next" visits every issue and pull request exactly once; Link rels in GitHub’s order', async () => {
    fake.store.seed(REPO, 95);
    fake.store.create(REPO, { title: 'A pull request', kind: 'pull_request' });
    const first = await api(`/repos/${REPO}/issues?state=all&per_page=10`);
    expect(first.body).toHaveLength(10);
    expect(links(first.headers.get('link')).rels).toEqual(['next', 'last']);
    const repoId = fake.store.repo(REPO)!.id;
    expect(links(first.headers.get('link')).url.next).toBe(`${fake.url}/repositories/${repoId}/issues?state=all&per_page=10&page=2`);
    const second = await api(links(first.headers.get('link')).url.next!);
    expect(links(second.headers.get('link')).rels).toEqual(['prev', 'next', 'last', 'first']);

    const seen: number[] = [];
    let url: string | undefined = `/repos/${REPO}/issues?state=all&per_page=10&sort=created&direction=asc`;
    let pulls = 0;
    let pages = 0;
    while (url) {
      const page = await api(url);
      pages++;
      for (const item of page.body) {
        seen.push(item.number);
        if (item.pull_request) pulls++;
      }
      const l = links(page.headers.get('link'));
      url = l.url.next;
      if (!url) expect(l.rels).toEqual(['prev', 'first']);
    }
    expect(pages).toBe(10);
    expect(seen).toEqual(Array.from({ length: 96 }, (_, i) => i + 1));
    expect(pulls).toBe(1);
  });

  test('state defaults to open; per_page defaults to 30 and is clamped to 100; one page means no Link', async () => {
    fake.store.seed(REPO, 150);
    const open = fake.store.list(REPO).filter((i) => i.state === 'open').length;
    const def = await api(`/repos/${REPO}/issues`);
    expect(def.body).toHaveLength(30);
    expect(def.body.every((i: any) => i.state === 'open')).toBe(true);
    const big = await api(`/repos/${REPO}/issues?state=all&per_page=500`);
    expect(big.body).toHaveLength(100);
    expect(links(big.headers.get('link')).url.next).toContain('per_page=500');
    const all = await api(`/repos/${REPO}/issues?per_page=100&page=1&state=open`);
    expect(all.body).toHaveLength(Math.min(100, open));
    const small = await api(`/repos/${REPO}/issues?labels=bug&state=closed`);
    expect(small.headers.get('link')).toBeNull();
    expect(small.body.every((i: any) => i.state === 'closed' && i.labels.some((l: any) => l.name === 'bug'))).toBe(true);
  });

  test('since keeps issues updated at or after it; sort=updated&direction=asc is the incremental order', async () => {
    fake.store.seed(REPO, 5, { stepMs: 60_000 });
    clock += 10 * 60_000;
    fake.store.remoteEdit(REPO, 2, { title: 'edited later' });
    const cut = '2026-01-15T11:58:30Z';
    const res = await api(`/repos/${REPO}/issues?state=all&sort=updated&direction=asc&since=${cut}`);
    expect(res.body.map((i: any) => [i.number, i.updated_at])).toEqual([
      [4, '2026-01-15T11:59:00Z'],
      [5, '2026-01-15T12:00:00Z'],
      [2, '2026-01-15T12:10:00Z'],
    ]);
    // At or after: an issue updated exactly at `since` is included.
    expect((await api(`/repos/${REPO}/issues?state=all&since=2026-01-15T11:58:00Z`)).body.map((i: any) => i.number).sort()).toEqual([2, 3, 4, 5]);
    const bad = await api(`/repos/${REPO}/issues?since=yesterday`);
    expect(bad.status).toBe(422);
  });
});

describe('rate limits and conditional requests', () => {
  test('x-ratelimit-* on every answer; the request past the limit is a 403 with remaining 0 until reset', async () => {
    await fake.close();
    fake = await startFakeGitHub({ now: () => clock, rateLimit: { limit: 3 } });
    const reset = String(Math.ceil((START + 3600_000) / 1000));
    for (let i = 1; i <= 3; i++) {
      const r = await api(`/repos/${REPO}/issues`);
      expect(r.status).toBe(200);
      expect(Object.fromEntries(['limit', 'remaining', 'used', 'reset', 'resource'].map((k) => [k, r.headers.get(`x-ratelimit-${k}`)]))).toEqual({ limit: '3', remaining: String(3 - i), used: String(i), reset, resource: 'core' });
    }
    const refused = await api(`/repos/${REPO}/issues`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/^API rate limit exceeded for user ID \d+\./);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-used')).toBe('3');
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(fake.requests.at(-1)).toMatchObject({ status: 403, fault: 'rate_limiter' });
    // Another token has its own window.
    expect((await api(`/repos/${REPO}/issues`, { token: 'ghp_other' })).status).toBe(200);
    clock += 3600_000;
    expect((await api(`/repos/${REPO}/issues`)).headers.get('x-ratelimit-remaining')).toBe('2');
  });

  test('the limit can answer 429 instead', async () => {
    await fake.close();
    fake = await startFakeGitHub({ now: () => clock, rateLimit: { limit: 1 }, rateLimitStatus: 429 });
    await api(`/repos/${REPO}/issues`);
    expect((await api(`/repos/${REPO}/issues`)).status).toBe(429);
  });

  test('If-None-Match with the ETag is a 304 with no body that does not count; a change makes a new ETag', async () => {
    await fake.close();
    fake = await startFakeGitHub({ now: () => clock, rateLimit: { limit: 10 } });
    fake.store.seed(REPO, 3);
    const first = await api(`/repos/${REPO}/issues/1`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('9');
    const again = await api(`/repos/${REPO}/issues/1`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('x-ratelimit-remaining')).toBe('9');
    // Lists too, and If-Modified-Since on a single issue.
    const list = await api(`/repos/${REPO}/issues`);
    expect((await api(`/repos/${REPO}/issues`, { headers: { 'if-none-match': `W/${list.headers.get('etag')}` } })).status).toBe(304);
    expect((await api(`/repos/${REPO}/issues/1`, { headers: { 'if-modified-since': first.headers.get('last-modified')! } })).status).toBe(304);
    clock += 2_000;
    fake.store.remoteEdit(REPO, 1, { body: 'changed' });
    const changed = await api(`/repos/${REPO}/issues/1`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.headers.get('x-ratelimit-remaining')).toBe('7');
  });
});

describe('injected faults', () => {
  test('5xx, the secondary limit with retry-after, and a timeout that drops the connection', async () => {
    fake.faults.inject(1, 'server_error', { status: 502 });
    const bad = await api(`/repos/${REPO}/issues`);
    expect(bad.status).toBe(502);
    expect(bad.body).toEqual({ message: 'Server Error' });
    fake.faults.inject(1, 'rate_limit', { method: 'POST', retryAfterSeconds: 7 });
    expect((await api(`/repos/${REPO}/issues`)).status).toBe(200);
    const limited = await api(`/repos/${REPO}/issues`, { method: 'POST', body: { title: 'x' } });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.message).toContain('secondary rate limit');
    expect(fake.store.count(REPO)).toBe(0);
    fake.faults.set({ timeoutMs: 50 });
    fake.faults.inject(1, 'timeout');
    await expect(api(`/repos/${REPO}/issues`)).rejects.toThrow();
    expect(fake.requests.at(-1)).toMatchObject({ fault: 'timeout', status: null });
  });
});

describe('webhooks', () => {
  test('the signer reproduces the docs’ test vector (and the legacy SHA-1)', () => {
    expect(signatureHeader256('Hello, World!', "It's a Secret to Everybody")).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    expect(signatureHeaderSha1('Hello, World!', "It's a Secret to Everybody")).toBe('sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59');
  });

  test('API changes and website edits become signed `issues` deliveries, one per action', async () => {
    fake.webhooks.subscribe(REPO, { url: hook.url, secret: SECRET });
    await api(`/repos/${REPO}/issues`, { method: 'POST', body: { title: 'New', labels: ['bug'] } });
    clock += 1_000;
    await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { title: 'Newer', state: 'closed', labels: [] } });
    fake.store.remoteEdit(REPO, 1, { state: 'open', add_assignees: ['dana'] }, 'dana');
    expect(fake.webhooks.pending.map((p) => p.action)).toEqual(['opened', 'labeled', 'edited', 'closed', 'unlabeled', 'reopened', 'assigned']);
    await fake.webhooks.flush();
    expect(hook.received).toHaveLength(7);
    for (const d of hook.received) {
      expect(verify(d.raw, d.headers['x-hub-signature-256'], SECRET)).toBe(true);
      expect(verify(d.raw, d.headers['x-hub-signature-256'], 'wrong')).toBe(false);
      expect(d.headers['x-hub-signature']).toBe(`sha1=${createHmac('sha1', SECRET).update(d.raw).digest('hex')}`);
      expect(d.headers).toMatchObject({ 'x-github-event': 'issues', 'content-type': 'application/json', 'x-github-hook-installation-target-type': 'repository' });
      expect(d.headers['x-github-delivery']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(d.headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
    }
    const bodies = hook.received.map((d) => JSON.parse(d.text));
    expect(bodies[2]).toMatchObject({ action: 'edited', changes: { title: { from: 'New' } }, issue: { title: 'Newer' } });
    expect(bodies[4]).toMatchObject({ action: 'unlabeled', label: { name: 'bug' } });
    expect(bodies[6]).toMatchObject({ action: 'assigned', assignee: { login: 'dana' }, sender: { login: 'dana' } });
    expect(new Set(hook.received.map((d) => d.headers['x-github-delivery'])).size).toBe(7);
  });

  test('a hook made through the API gets what it subscribed to, form-encoded when asked', async () => {
    const made = await api(`/repos/${REPO}/hooks`, { method: 'POST', body: { name: 'web', config: { url: hook.url, content_type: 'form', secret: SECRET }, events: ['issues'] } });
    expect(made.status).toBe(201);
    expect(made.body.config).toMatchObject({ url: hook.url, content_type: 'form', secret: '********' });
    fake.store.remoteCreate(REPO, { title: 'From the website' });
    await fake.webhooks.flush();
    const [d] = hook.received;
    expect(d!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(verify(d!.raw, d!.headers['x-hub-signature-256'], SECRET)).toBe(true);
    expect(JSON.parse(new URLSearchParams(d!.text).get('payload')!)).toMatchObject({ action: 'opened', issue: { title: 'From the website' } });
  });

  withFixtures('payloads have the key sets of the fixtures for the same action', async () => {
    const fixture = (name: string) => JSON.parse(readFileSync(resolve(FIXTURES, `issues.${name}.json`), 'utf8'));
    fake.webhooks.subscribe(REPO, { url: hook.url, secret: SECRET });
    fake.store.remoteCreate(REPO, { title: 'One', body: 'b', labels: [], assignees: [] });
    fake.store.remoteEdit(REPO, 1, { body: 'c' });
    fake.store.remoteEdit(REPO, 1, { add_labels: ['bug'] });
    fake.store.remoteEdit(REPO, 1, { add_assignees: ['octocat'] });
    fake.store.remoteEdit(REPO, 1, { state: 'closed' });
    fake.store.remoteEdit(REPO, 1, { state: 'open' });
    fake.store.remoteDelete(REPO, 1);
    await fake.webhooks.flush();
    const sent = new Map(hook.received.map((d) => JSON.parse(d.text)).map((b) => [b.action, b]));
    // `installation`/`organization`/`enterprise` appear only for apps and organisations (reference §7).
    const conditional = new Set(['installation', 'organization', 'enterprise']);
    const keys = (o: object) => Object.keys(o).filter((k) => !conditional.has(k));
    for (const action of ['opened', 'edited', 'labeled', 'assigned', 'reopened', 'deleted']) {
      const want = fixture(action);
      const got = sent.get(action);
      expect(got, action).toBeDefined();
      expect(keys(got), action).toEqual(keys(want));
      expect(Object.keys(got.issue), action).toEqual(expect.arrayContaining(Object.keys(want.issue)));
      expect(Object.keys(got.repository), action).toEqual(expect.arrayContaining(Object.keys(want.repository)));
      expect(Object.keys(got.sender), action).toEqual(Object.keys(want.sender));
      expect(Object.keys(got.issue.user), action).toEqual(Object.keys(want.issue.user));
      if (want.label) expect(Object.keys(got.label)).toEqual(expect.arrayContaining(Object.keys(want.label)));
      if (want.assignee) expect(Object.keys(got.assignee)).toEqual(Object.keys(want.assignee));
    }
    expect(sent.get('edited').changes).toEqual({ body: { from: 'b' } });
  });

  test('flush can lose, duplicate and reorder deliveries; a lost one can be redelivered with the same id', async () => {
    fake.webhooks.subscribe(REPO, { url: hook.url, secret: SECRET });
    for (let i = 1; i <= 4; i++) fake.store.remoteCreate(REPO, { title: `Issue ${i}` });
    const ids = fake.webhooks.pending.map((p) => p.id);
    const records = await fake.webhooks.flush({ order: 'reverse', duplicates: 1, drop: (_p, i) => i === 1 });
    expect(records.filter((r) => r.dropped).map((r) => r.id)).toEqual([ids[1]]);
    const numbers = hook.received.map((d) => JSON.parse(d.text).issue.number);
    expect(numbers).toEqual([4, 3, 1, 4, 3, 1]);
    // A copy is the same delivery: same GUID, same bytes, same signature (reference §7: unchanged on redelivery).
    expect(hook.received[3]!.headers['x-github-delivery']).toBe(hook.received[0]!.headers['x-github-delivery']);
    expect(hook.received[3]!.text).toBe(hook.received[0]!.text);
    expect(fake.webhooks.failed.map((p) => p.id)).toEqual([ids[1]]);
    await fake.webhooks.redeliver(ids[1]!);
    expect(hook.received.at(-1)!.headers['x-github-delivery']).toBe(ids[1]);
    expect(fake.webhooks.failed).toEqual([]);
  });

  test('shuffle is seeded; auto-delivery sends in order as changes happen', async () => {
    const order = async (seed: number) => {
      const f = await startFakeGitHub({ seed, rateLimit: null });
      const r = await startWebhookReceiver();
      f.webhooks.subscribe(REPO, r.url);
      for (let i = 1; i <= 6; i++) f.store.remoteCreate(REPO, { title: `t${i}` });
      await f.webhooks.flush({ order: 'shuffle' });
      const out = r.received.map((d) => JSON.parse(d.text).issue.number);
      await f.close();
      await r.close();
      return out;
    };
    const a = await order(7);
    expect(await order(7)).toEqual(a);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a).not.toEqual([1, 2, 3, 4, 5, 6]);

    fake.webhooks.setAutoDeliver(true);
    fake.webhooks.subscribe(REPO, { url: hook.url, secret: SECRET });
    for (let i = 1; i <= 3; i++) fake.store.remoteCreate(REPO, { title: `auto ${i}` });
    await hook.waitFor(3);
    expect(hook.received.map((d) => JSON.parse(d.text).issue.title)).toEqual(['auto 1', 'auto 2', 'auto 3']);
    expect(fake.webhooks.pending).toHaveLength(0);
  });

  test('a failing endpoint leaves the delivery failed until retried', async () => {
    let status = 500;
    const flaky = await startWebhookReceiver({ status: () => status });
    fake.webhooks.subscribe(REPO, flaky.url);
    fake.store.remoteCreate(REPO, { title: 'x' });
    const [first] = await fake.webhooks.flush();
    expect(first!.status).toBe(500);
    expect(fake.webhooks.failed).toHaveLength(1);
    status = 200;
    const [retry] = await fake.webhooks.retryFailed();
    expect(retry).toMatchObject({ status: 200, duplicate: true, id: first!.id });
    expect(fake.webhooks.failed).toHaveLength(0);
    await flaky.close();
  });
});
