/**
 * The fake Gitea as a plain fetch client sees it (reference gitea.md): `token`/`bearer` auth, issue CRUD (201 on an
 * edit, 412 for an unknown state), labels by id through the issue-label routes, `page`/`limit` paging with
 * `X-Total-Count` and Gitea's comma-joined Link (next, last, first, prev) that visits every issue once, `type=issues`,
 * `since`/`before`, no rate headers of its own (a proxy's 429 + Retry-After when switched on), and pretty-printed
 * webhooks whose `X-Gitea-Signature` verifies independently and reproduces the fixtures' vectors, with the fixtures'
 * keys; lost, duplicated (replayed with a new id) and reordered deliveries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/fakes/git/common/receiver.ts';
import { giteaSignature, startFakeGitea, type FakeGitea } from '../../src/fakes/git/gitea/index.ts';

const REPO = 'example/example';
const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const SECRET = 'gitea-secret';
// Real recorded payloads, copied from the shared reference with their SOURCE.md.
const FIXTURES = resolve(import.meta.dirname, '../fixtures/gitea-webhooks');
const withFixtures = test;

interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

let fake: FakeGitea;
let clock: number;
let hook: WebhookReceiver;

async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; auth?: string | null } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== null) headers.authorization = init.auth ?? 'token 0123456789abcdef0123456789abcdef01234567';
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const url = path.startsWith('http') ? path : `${fake.url}/api/v1${path}`;
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
  for (const part of (header ?? '').split(',').filter(Boolean)) {
    const m = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (!m) throw new Error(`bad link part ${JSON.stringify(part)}`);
    url[m[2]!] = m[1]!;
    rels.push(m[2]!);
  }
  return { rels, url };
}

/** Hex HMAC-SHA256 of the raw bytes, no prefix, constant-time compare. */
function verify(raw: Buffer, header: unknown, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

beforeEach(async () => {
  clock = START;
  fake = await startFakeGitea({ now: () => clock });
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  await fake.close();
  await hook.close();
});

describe('authentication', () => {
  test('token and bearer headers and the query token work; an unknown token is a 401', async () => {
    await fake.close();
    fake = await startFakeGitea({ tokens: ['good'] });
    expect((await api(`/repos/${REPO}/issues`, { auth: 'token good' })).status).toBe(200);
    expect((await api(`/repos/${REPO}/issues`, { auth: 'Bearer good' })).status).toBe(200);
    expect((await api(`/repos/${REPO}/issues?token=good`, { auth: null })).status).toBe(200);
    const bad = await api(`/repos/${REPO}/issues`, { auth: 'token bad' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ message: 'token is required', url: `${fake.url}/api/swagger` });
  });
});

describe('issues', () => {
  test('create (labels by id, assignees by name), get, edit (201), close, reopen, delete', async () => {
    const labelRes = await api(`/repos/${REPO}/labels`, { method: 'POST', body: { name: 'bug', color: '#ee0701', description: 'Broken' } });
    expect(labelRes.status).toBe(201);
    expect(labelRes.body).toMatchObject({ name: 'bug', color: 'ee0701' });
    const created = await api(`/repos/${REPO}/issues`, { method: 'POST', body: { title: 'Crash', labels: [labelRes.body.id, 9999], assignees: ['alice'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ number: 1, title: 'Crash', body: '', state: 'open', pull_request: null, created_at: '2026-01-15T21:00:00+09:00', closed_at: null });
    expect(created.body.labels.map((l: any) => l.name)).toEqual(['bug']);
    expect(created.body.assignees.map((u: any) => u.login)).toEqual(['alice']);

    clock += 3_000;
    const edited = await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { body: 'Stack trace', state: 'closed', assignees: [] } });
    expect(edited.status).toBe(201);
    expect(edited.body).toMatchObject({ body: 'Stack trace', state: 'closed', closed_at: '2026-01-15T21:00:03+09:00', assignees: null, assignee: null });
    expect((await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { state: 'done' } })).body).toMatchObject({ message: 'unknown state: done' });
    expect((await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { state: 'done' } })).status).toBe(412);
    expect((await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { state: 'open' } })).body.state).toBe('open');
    expect((await api(`/repos/${REPO}/issues`, { method: 'POST', body: { body: 'no title' } })).status).toBe(422);

    const gone = await api(`/repos/${REPO}/issues/1`, { method: 'DELETE' });
    expect(gone.status).toBe(204);
    const missing = await api(`/repos/${REPO}/issues/1`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ message: "The target couldn't be found.", errors: [] });
  });

  test('issue labels: POST adds, PUT replaces (200 with all labels), DELETE clears or removes one (204)', async () => {
    const ids = ['a', 'b', 'c'].map((n) => fake.store.label(REPO, n, { color: '00ff00' }).id);
    fake.store.create(REPO, { title: 'x' });
    expect((await api(`/repos/${REPO}/issues/1/labels`, { method: 'POST', body: { labels: [ids[0], ids[1]] } })).body.map((l: any) => l.name)).toEqual(['a', 'b']);
    expect((await api(`/repos/${REPO}/issues/1/labels`, { method: 'PUT', body: { labels: [ids[2], 'a'] } })).body.map((l: any) => l.name)).toEqual(['c', 'a']);
    expect((await api(`/repos/${REPO}/issues/1/labels/${ids[2]}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/repos/${REPO}/issues/1/labels/424242`, { method: 'DELETE' })).status).toBe(422);
    expect(fake.store.get(REPO, 1)!.labels).toEqual(['a']);
    expect((await api(`/repos/${REPO}/issues/1/labels`, { method: 'DELETE' })).status).toBe(204);
    expect(fake.store.get(REPO, 1)!.labels).toEqual([]);
  });
});

describe('lists', () => {
  test('following rel="next" visits every issue once; X-Total-Count; Link rels next,last,first,prev joined by ","', async () => {
    fake.store.seed(REPO, 120);
    fake.store.create(REPO, { title: 'A pull request', kind: 'pull_request' });
    const first = await api(`/repos/${REPO}/issues?state=all&type=issues&limit=25`);
    expect(first.headers.get('x-total-count')).toBe('120');
    expect(links(first.headers.get('link')).rels).toEqual(['next', 'last']);
    expect(links(first.headers.get('link')).url.next).toBe(`${fake.url}/api/v1/repos/${REPO}/issues?limit=25&page=2&state=all&type=issues`);
    const second = await api(links(first.headers.get('link')).url.next!);
    expect(links(second.headers.get('link')).rels).toEqual(['next', 'last', 'first', 'prev']);
    expect(second.headers.get('link')).not.toContain(', ');

    const seen: number[] = [];
    let url: string | undefined = `/repos/${REPO}/issues?state=all&type=issues&limit=25`;
    while (url) {
      const page = await api(url);
      seen.push(...page.body.map((i: any) => i.number));
      const l = links(page.headers.get('link'));
      url = l.url.next;
      if (!url) expect(l.rels).toEqual(['first', 'prev']);
    }
    // Newest created first, no sort parameter (reference §3).
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
    const both = await api(`/repos/${REPO}/issues?state=all&limit=50`);
    expect(both.headers.get('x-total-count')).toBe('121');
    expect(both.body[0]).toMatchObject({ title: 'A pull request', pull_request: { merged: false } });
  });

  test('limit defaults to 30 and is clamped to 50; state defaults to open; one page means no Link', async () => {
    fake.store.seed(REPO, 90);
    expect((await api(`/repos/${REPO}/issues?state=all`)).body).toHaveLength(30);
    expect((await api(`/repos/${REPO}/issues?state=all&limit=200`)).body).toHaveLength(50);
    expect((await api(`/repos/${REPO}/issues?limit=50`)).body.every((i: any) => i.state === 'open')).toBe(true);
    const single = await api(`/repos/${REPO}/issues?state=closed&labels=bug&limit=50`);
    expect(single.headers.get('link')).toBeNull();
    expect(single.body.length).toBeGreaterThan(0);
    expect(single.body.every((i: any) => i.state === 'closed' && i.labels[0].name === 'bug')).toBe(true);
  });

  test('since and before filter on the updated time, at or after / at or before; a bad timestamp is a 422', async () => {
    fake.store.seed(REPO, 4, { stepMs: 60_000 });
    clock += 60_000;
    fake.store.remoteEdit(REPO, 1, { title: 'touched' });
    const since = await api(`/repos/${REPO}/issues?state=all&since=${encodeURIComponent('2026-01-15T20:59:00+09:00')}`);
    expect(since.body.map((i: any) => i.number)).toEqual([4, 3, 1]);
    const before = await api(`/repos/${REPO}/issues?state=all&before=2026-01-15T11:58:00Z`);
    expect(before.body.map((i: any) => i.number)).toEqual([2]);
    expect((await api(`/repos/${REPO}/issues?since=yesterday`)).status).toBe(422);
  });
});

describe('rate limits', () => {
  test('Gitea sends no rate headers; a proxy limit answers 429 with Retry-After', async () => {
    const plain = await api(`/repos/${REPO}/issues`);
    expect([...plain.headers.keys()].filter((k) => k.includes('ratelimit'))).toEqual([]);
    expect(plain.headers.get('etag')).toBeNull();
    fake.rateLimit.set({ limit: 2, windowSeconds: 60 });
    await api(`/repos/${REPO}/issues`);
    await api(`/repos/${REPO}/issues`);
    const limited = await api(`/repos/${REPO}/issues`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect([...limited.headers.keys()].filter((k) => k.includes('ratelimit'))).toEqual([]);
  });

  test('injected faults: a blank 500 and a proxy 503', async () => {
    fake.faults.inject(1, 'server_error', { status: 500 });
    fake.faults.inject(1, 'server_error', { status: 503 });
    expect(await api(`/repos/${REPO}/issues`)).toMatchObject({ status: 500, body: { message: '' } });
    expect(await api(`/repos/${REPO}/issues`)).toMatchObject({ status: 503, text: 'Service Unavailable' });
  });
});

describe('webhooks', () => {
  withFixtures('the signer reproduces the fixtures’ X-Gitea-Signature vectors over their exact bytes', () => {
    const secret = 'IsWishesWereHorsesWedAllBeEatingSteak!';
    const vectors: Record<string, string> = {
      'issues.opened.json': '98c44fd0ae42ca4208eac6f81e59b436837740abc8693bf828366b32d33b1cbc',
      'issues.label_updated.json': '3611415860ed5904c87dd589a7c5fa7e87d2a72b0b2a92ea149ba9691ba8c785',
      'issues.assigned.json': '7d2adaf2fb3dc3769294c737ff48da003b7c3660b4f917b85c2c25dabd34a13c',
    };
    for (const [file, expected] of Object.entries(vectors)) expect(giteaSignature(readFileSync(resolve(FIXTURES, file)), secret)).toBe(expected);
  });

  test('and the computed vector of the reference', () => {
    expect(giteaSignature('Hello, World!', "It's a Secret to Everybody")).toBe('757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  test('changes become signed deliveries with Gitea’s event types, pretty-printed, all signature headers', async () => {
    fake.webhooks.subscribe(REPO, { url: hook.url, secret: SECRET });
    const bug = fake.store.label(REPO, 'bug');
    await api(`/repos/${REPO}/issues`, { method: 'POST', body: { title: 'Crash <b>', assignees: ['alice'] } });
    clock += 1_000;
    await api(`/repos/${REPO}/issues/1`, { method: 'PATCH', body: { title: 'Crash!', body: 'details', state: 'closed' } });
    await api(`/repos/${REPO}/issues/1/labels`, { method: 'POST', body: { labels: [bug.id] } });
    await api(`/repos/${REPO}/issues/1/labels`, { method: 'DELETE' });
    expect(fake.webhooks.pending.map((p) => `${p.action}:${p.headers['x-gitea-event-type']}`)).toEqual([
      'opened:issues',
      'assigned:issue_assign',
      'edited:issues',
      'edited:issues',
      'closed:issues',
      'label_updated:issue_label',
      'label_cleared:issue_label',
    ]);
    await fake.webhooks.flush();
    for (const d of hook.received) {
      expect(verify(d.raw, d.headers['x-gitea-signature'], SECRET)).toBe(true);
      expect(d.headers['x-hub-signature-256']).toBe(`sha256=${d.headers['x-gitea-signature']}`);
      expect(d.headers['x-hub-signature']).toBe(`sha1=${createHmac('sha1', SECRET).update(d.raw).digest('hex')}`);
      expect(d.headers['x-gitea-event']).toBe('issues');
      for (const prefix of ['x-gogs', 'x-github']) expect(d.headers[`${prefix}-delivery`]).toBe(d.headers['x-gitea-delivery']);
      expect(d.text.startsWith('{\n  "action": ')).toBe(true);
    }
    const bodies = hook.received.map((d) => JSON.parse(d.text));
    expect(bodies[0].issue.title).toBe('Crash <b>');
    expect(hook.received[0]!.text).toContain('Crash \\u003cb\\u003e');
    expect(bodies[2]).toMatchObject({ action: 'edited', changes: { title: { from: 'Crash <b>' } } });
    expect(bodies[3]).toMatchObject({ action: 'edited', changes: { body: { from: '' } } });
    expect(bodies[5].issue.labels.map((l: any) => l.name)).toEqual(['bug']);
    expect(bodies[6].issue.labels).toEqual([]);
  });

  test('without a secret the signature headers are sent empty; a hook made through the API gets the issue types', async () => {
    const made = await api(`/repos/${REPO}/hooks`, { method: 'POST', body: { type: 'gitea', config: { url: hook.url, content_type: 'json' }, events: ['issues'], active: true } });
    expect(made.status).toBe(201);
    fake.store.remoteCreate(REPO, { title: 'x' });
    fake.store.remoteEdit(REPO, 1, { add_labels: ['ui'] });
    await fake.webhooks.flush();
    expect(hook.received.map((d) => d.headers['x-gitea-event-type'])).toEqual(['issues', 'issue_label']);
    expect(hook.received[0]!.headers).toMatchObject({ 'x-gitea-signature': '', 'x-hub-signature': 'sha1=', 'x-hub-signature-256': 'sha256=' });
  });

  withFixtures('payloads have the key sets of the fixtures for the same action', async () => {
    const fixture = (name: string) => JSON.parse(readFileSync(resolve(FIXTURES, `issues.${name}.json`), 'utf8'));
    fake.webhooks.subscribe(REPO, { url: hook.url, secret: SECRET });
    fake.store.remoteCreate(REPO, { title: 'One' });
    fake.store.remoteEdit(REPO, 1, { add_labels: ['bug'] });
    fake.store.remoteEdit(REPO, 1, { add_assignees: ['example'] });
    fake.store.remoteEdit(REPO, 1, { state: 'closed' });
    await fake.webhooks.flush();
    const sent = new Map(hook.received.map((d) => JSON.parse(d.text)).map((b) => [b.action, b]));
    for (const action of ['opened', 'label_updated', 'assigned', 'closed']) {
      const want = fixture(action);
      const got = sent.get(action);
      // Newer Gitea adds commit_id (reference §7); otherwise the same keys, in the same order.
      expect(Object.keys(got).filter((k) => k !== 'commit_id'), action).toEqual(Object.keys(want));
      // closed.json is a sparse 2017 payload: its keys are a subset.
      expect(Object.keys(got.issue), action).toEqual(action === 'closed' ? expect.arrayContaining(Object.keys(want.issue)) : Object.keys(want.issue));
      expect(Object.keys(got.repository), action).toEqual(expect.arrayContaining(Object.keys(want.repository)));
      expect(Object.keys(got.sender), action).toEqual(expect.arrayContaining(Object.keys(want.sender)));
      if (want.issue.labels.length) expect(Object.keys(got.issue.labels[0])).toEqual(expect.arrayContaining(Object.keys(want.issue.labels[0])));
    }
    expect(sent.get('opened').issue.assignees).toBeNull();
  });

  test('flush can lose, duplicate (a replay: new delivery id, same bytes) and reorder deliveries', async () => {
    fake.webhooks.subscribe(REPO, { url: hook.url, secret: SECRET });
    for (let i = 1; i <= 3; i++) fake.store.remoteCreate(REPO, { title: `t${i}` });
    await fake.webhooks.flush({ order: 'reverse', duplicates: 1, drop: (p) => p.issue_number === 2 });
    expect(hook.received.map((d) => JSON.parse(d.text).number)).toEqual([3, 1, 3, 1]);
    expect(hook.received[2]!.text).toBe(hook.received[0]!.text);
    expect(hook.received[2]!.headers['x-gitea-delivery']).not.toBe(hook.received[0]!.headers['x-gitea-delivery']);
    expect(verify(hook.received[2]!.raw, hook.received[2]!.headers['x-gitea-signature'], SECRET)).toBe(true);
    expect(fake.webhooks.deliveries.filter((d) => d.dropped).map((d) => d.issue_number)).toEqual([2]);
    const drops = await fake.webhooks.retryFailed();
    expect(drops.map((d) => d.issue_number)).toEqual([2]);
  });
});
