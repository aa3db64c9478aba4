/**
 * Gitea webhooks: `X-Gitea-Signature` (hex HMAC-SHA256 of the raw body, no prefix) verified in constant time over
 * the exact bytes — the reference's vector, the real payloads' documented vectors, a one-byte change, a forged or
 * missing signature — and deliveries parsed into upserts of the mapped issue or deletions, from the recorded real
 * payloads and from the fake Gitea's own signed deliveries (JSON and form hooks).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { giteaSignature } from '../../../src/connectors/gitea/index.ts';
import { startWebhookReceiver, type ReceivedDelivery, type WebhookReceiver } from '../../../src/fakes/git/common/receiver.ts';
import { AuthError, ValidationError } from '../../../src/protocol/errors.ts';
import type { IssueWebhookEvent, IssueWebhookRequest } from '../../../src/protocol/issues.ts';
import { fieldsOf, REPO, useFakeGitea } from './helpers.ts';

const env = useFakeGitea();
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/gitea-webhooks');
/** go-playground/webhooks' test secret, under which SOURCE.md documents the real payloads' signatures. */
const FIXTURE_SECRET = 'IsWishesWereHorsesWedAllBeEatingSteak!';
const SECRET = 'hook-secret';
const DELIVERY = 'f6266f16-1bf3-46a5-9ea4-602e06ead473';

const fixture = (name: string) => readFileSync(resolve(FIXTURES, name));
const request = (body: Buffer | string, headers: Record<string, string | undefined>): IssueWebhookRequest => ({ headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });
/** Headers as a real Gitea sends them with `body` (event type per SOURCE.md). */
const giteaHeaders = (body: Buffer, secret: string, type = 'issues') => ({ 'content-type': 'application/json', 'x-gitea-delivery': DELIVERY, 'x-gitea-event': 'issues', 'x-gitea-event-type': type, 'x-gitea-signature': giteaSignature(body, secret) });
const flipOneByte = (body: Buffer, at = Math.floor(body.length / 2)) => {
  const copy = Buffer.from(body);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

describe('verifyWebhook', () => {
  test('the reference vector: "Hello, World!" under "It\'s a Secret to Everybody"', () => {
    const hello = request('Hello, World!', { 'x-gitea-signature': '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' });
    expect(() => env.provider.verifyWebhook(hello, "It's a Secret to Everybody")).not.toThrow();
    // Verified is not parseable: this body is no Gitea JSON.
    expect(() => env.provider.parseWebhook({ ...hello, headers: { ...hello.headers, 'x-gitea-delivery': DELIVERY, 'x-gitea-event': 'issues' } })).toThrow(ValidationError);
  });

  const documented: [string, string, string][] = [
    ['issues.opened.json', 'issues', '98c44fd0ae42ca4208eac6f81e59b436837740abc8693bf828366b32d33b1cbc'],
    ['issues.label_updated.json', 'issue_label', '3611415860ed5904c87dd589a7c5fa7e87d2a72b0b2a92ea149ba9691ba8c785'],
    ['issues.assigned.json', 'issue_assign', '7d2adaf2fb3dc3769294c737ff48da003b7c3660b4f917b85c2c25dabd34a13c'],
  ];
  test.each(documented)('the real payload %s verifies with its documented signature, and not after a one-byte change', (file, _type, signature) => {
    const body = fixture(file);
    expect(() => env.provider.verifyWebhook(request(body, { 'x-gitea-signature': signature }), FIXTURE_SECRET)).not.toThrow();
    expect(() => env.provider.verifyWebhook(request(flipOneByte(body), { 'x-gitea-signature': signature }), FIXTURE_SECRET)).toThrow(AuthError);
    expect(() => env.provider.verifyWebhook(request(body, { 'x-gitea-signature': signature }), `${FIXTURE_SECRET}x`)).toThrow(AuthError);
  });

  test('issues.closed.json (no documented vector) verifies when signed here, and not after a one-byte change', () => {
    const body = fixture('issues.closed.json');
    const headers = giteaHeaders(body, SECRET);
    expect(() => env.provider.verifyWebhook(request(body, headers), SECRET)).not.toThrow();
    for (const at of [0, 100, body.length - 1]) expect(() => env.provider.verifyWebhook(request(flipOneByte(body, at), headers), SECRET)).toThrow(AuthError);
  });

  test('a missing, empty, forged, truncated or non-hex signature is an AuthError naming the header, never the secret', () => {
    const body = fixture('issues.opened.json');
    const good = giteaSignature(body, SECRET);
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      empty: '',
      forged: giteaSignature(body, 'not-the-secret'),
      truncated: good.slice(0, 62),
      extended: `${good}00`,
      prefixed: `sha256=${good}`,
      'not hex': 'z'.repeat(64),
    };
    for (const [name, signature] of Object.entries(cases)) {
      const err = (() => {
        try {
          env.provider.verifyWebhook(request(body, { 'x-gitea-signature': signature, 'x-hub-signature-256': `sha256=${good}` }), SECRET);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err, name).toBeInstanceOf(AuthError);
      expect((err as Error).message, name).toContain('X-Gitea-Signature');
      expect(`${(err as Error).message} ${JSON.stringify((err as AuthError).detail)}`).not.toContain(SECRET);
    }
  });

  test('uppercase hex is the same signature; an empty configured secret is refused', () => {
    const body = fixture('issues.opened.json');
    expect(() => env.provider.verifyWebhook(request(body, { 'x-gitea-signature': giteaSignature(body, SECRET).toUpperCase() }), SECRET)).not.toThrow();
    // With no secret Gitea sends an empty signature; an HMAC keyed with nothing proves nothing.
    expect(() => env.provider.verifyWebhook(request(body, { 'x-gitea-signature': giteaSignature(body, '') }), '')).toThrow(AuthError);
  });
});

describe('parseWebhook on the real payloads', () => {
  const parse = (file: string, type = 'issues') => {
    const body = fixture(file);
    const req = request(body, giteaHeaders(body, SECRET, type));
    env.provider.verifyWebhook(req, SECRET);
    return env.provider.parseWebhook(req);
  };
  const at = (s: string) => new Date(s);
  const fixtureUrl = 'http://localhost:3000/example/example/issues/1';

  test('opened: an upsert of the mapped issue (empty body, null assignees → none, +09:00 time)', () => {
    expect(parse('issues.opened.json')).toEqual({
      deliveryId: DELIVERY,
      event: 'issues',
      action: 'opened',
      change: { kind: 'upsert', issue: { externalId: '1', url: fixtureUrl, updatedAt: at('2022-03-09T07:19:00Z'), fields: { title: 'example', body: '', state: 'open', labels: [], assignees: [] } } },
      payload: JSON.parse(fixture('issues.opened.json').toString('utf8')),
    });
  });

  test('label_updated (X-Gitea-Event-Type issue_label): the full new label set', () => {
    const event = parse('issues.label_updated.json', 'issue_label');
    expect(event).toMatchObject({ event: 'issues', action: 'label_updated', change: { kind: 'upsert' } });
    expect(event.change?.kind === 'upsert' && event.change.issue).toEqual({ externalId: '1', url: fixtureUrl, updatedAt: at('2022-03-09T07:21:23Z'), fields: { title: 'example', body: '', state: 'open', labels: ['bug'], assignees: ['example'] } });
  });

  test('assigned (X-Gitea-Event-Type issue_assign): the assignee logins', () => {
    const event = parse('issues.assigned.json', 'issue_assign');
    expect(event).toMatchObject({ action: 'assigned', change: { kind: 'upsert', issue: { updatedAt: at('2022-03-09T07:20:23Z'), fields: { assignees: ['example'], labels: [] } } } });
  });

  test('closed, a sparse 2017 payload: no html_url (built from the repository’s), no assignees field', () => {
    expect(parse('issues.closed.json').change).toEqual({
      kind: 'upsert',
      issue: { externalId: '1', url: 'http://try.gitea.io/gogits/hello-world/issues/1', updatedAt: at('2017-12-09T01:41:37Z'), fields: { title: 'Problem', body: 'Closed #1', state: 'closed', labels: [], assignees: [] } },
    });
  });

  test('older servers that put the fine type in X-Gitea-Event still give an issue upsert', () => {
    const body = fixture('issues.label_updated.json');
    const event = env.provider.parseWebhook(request(body, { 'x-gitea-delivery': DELIVERY, 'x-gitea-event': 'issue_label' }));
    expect(event).toMatchObject({ event: 'issue_label', action: 'label_updated', change: { kind: 'upsert', issue: { fields: { labels: ['bug'] } } } });
  });

  test('deleted is a deletion of the issue number; a pull request or a non-issue event is no change', () => {
    const opened = JSON.parse(fixture('issues.opened.json').toString('utf8'));
    const headers = { 'x-gitea-delivery': DELIVERY, 'x-gitea-event': 'issues', 'x-gitea-event-type': 'issues' };
    const deletedBody = { ...opened, action: 'deleted', issue: { ...opened.issue, number: 12 } };
    const deleted = env.provider.parseWebhook(request(JSON.stringify(deletedBody), headers));
    expect(deleted).toEqual({ deliveryId: DELIVERY, event: 'issues', action: 'deleted', change: { kind: 'deleted', externalId: '12' }, payload: deletedBody });
    const pr = env.provider.parseWebhook(request(JSON.stringify({ ...opened, issue: { ...opened.issue, pull_request: { merged: false } } }), headers));
    expect(pr.change).toBeNull();
    const push = env.provider.parseWebhook(request(JSON.stringify({ ref: 'refs/heads/main', commits: [] }), { 'x-gitea-delivery': DELIVERY, 'x-gitea-event': 'push' }));
    expect(push).toEqual({ deliveryId: DELIVERY, event: 'push', action: null, change: null, payload: { ref: 'refs/heads/main', commits: [] } });
    const comment = env.provider.parseWebhook(request(JSON.stringify({ ...opened, action: 'created' }), { 'x-gitea-delivery': DELIVERY, 'x-gitea-event': 'issue_comment' }));
    expect(comment).toMatchObject({ event: 'issue_comment', action: 'created', change: null });
  });

  test('bad JSON, a JSON non-object, a missing delivery or event header, or an issue that is not one: ValidationError', () => {
    const body = fixture('issues.opened.json');
    const headers = { 'x-gitea-delivery': DELIVERY, 'x-gitea-event': 'issues' };
    const bad: IssueWebhookRequest[] = [
      request('{"action": "opened", ', headers),
      request('[1, 2]', headers),
      request('', headers),
      request(body, { 'x-gitea-event': 'issues' }),
      request(body, { 'x-gitea-delivery': DELIVERY }),
      request(JSON.stringify({ action: 'opened', issue: { number: 'one' } }), headers),
      request(JSON.stringify({ action: 'deleted', issue: {} }), headers),
    ];
    for (const [i, req] of bad.entries()) expect(() => env.provider.parseWebhook(req), String(i)).toThrow(ValidationError);
  });
});

describe('deliveries from the fake Gitea', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  const asRequest = (d: ReceivedDelivery): IssueWebhookRequest => ({
    headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v])),
    body: d.raw,
  });
  const verifiedEvents = async (): Promise<IssueWebhookEvent[]> => {
    await env.fake.webhooks.flush();
    return receiver.received.map((d) => {
      const req = asRequest(d);
      env.provider.verifyWebhook(req, SECRET);
      return env.provider.parseWebhook(req);
    });
  };

  test('every delivery made by our own writes verifies and parses; the last upsert is the issue as get sees it', async () => {
    env.fake.webhooks.subscribe(REPO, { url: receiver.url, secret: SECRET });
    const created = await env.provider.create({ title: 'Crash', body: '', state: 'open', labels: ['bug'], assignees: ['alice'] });
    env.clock += 1_000;
    await env.provider.update(created.externalId, { title: 'Crash on save', state: 'closed', labels: ['bug', 'ui'], assignees: [] });
    const final = await env.provider.get(created.externalId);
    await env.provider.delete(created.externalId);

    const events = await verifiedEvents();
    expect(events.map((e) => `${e.action}`)).toEqual(['opened', 'assigned', 'edited', 'closed', 'unassigned', 'label_updated', 'deleted']);
    expect(new Set(events.map((e) => e.deliveryId)).size).toBe(events.length);
    expect(events.every((e) => e.event === 'issues')).toBe(true);
    const upserts = events.flatMap((e) => (e.change?.kind === 'upsert' ? [e.change.issue] : []));
    expect(upserts).toHaveLength(6);
    expect(fieldsOf(upserts.at(-1)!)).toEqual(fieldsOf(final));
    expect(upserts.at(-1)!.updatedAt).toEqual(final!.updatedAt);
    expect(events.at(-1)!.change).toEqual({ kind: 'deleted', externalId: created.externalId });
  });

  test('a web edit arrives signed; with another secret, or a redelivery’s body changed, it is refused', async () => {
    env.fake.webhooks.subscribe(REPO, { url: receiver.url, secret: SECRET });
    env.fake.store.remoteCreate(REPO, { title: 'From the web', labels: ['docs'] });
    const [event] = await verifiedEvents();
    expect(event!.change).toMatchObject({ kind: 'upsert', issue: { externalId: '1', fields: { title: 'From the web', labels: ['docs'] } } });
    const req = asRequest(receiver.received[0]!);
    expect(() => env.provider.verifyWebhook(req, 'another-secret')).toThrow(AuthError);
    expect(() => env.provider.verifyWebhook({ ...req, body: Buffer.from(req.body.toString('utf8').replace('From the web', 'From the wEb')) }, SECRET)).toThrow(AuthError);
  });

  test('a form-encoded hook: the signature covers the form body, the JSON is in `payload`', async () => {
    env.fake.webhooks.subscribe(REPO, { url: receiver.url, secret: SECRET, content_type: 'form' });
    env.fake.store.remoteCreate(REPO, { title: 'Form & <friends>', assignees: ['bob'] });
    const events = await verifiedEvents();
    expect(receiver.received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(events[0]!.change).toMatchObject({ kind: 'upsert', issue: { fields: { title: 'Form & <friends>', assignees: ['bob'] } } });
  });

  test('a hook without a secret sends an empty signature, which is refused', async () => {
    env.fake.webhooks.subscribe(REPO, { url: receiver.url, secret: null });
    env.fake.store.remoteCreate(REPO, { title: 'unsigned' });
    await env.fake.webhooks.flush();
    expect(() => env.provider.verifyWebhook(asRequest(receiver.received[0]!), SECRET)).toThrow(AuthError);
  });
});
