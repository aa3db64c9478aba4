/**
 * GitLab deliveries: `X-Gitlab-Token` compared with the secret (missing or wrong → AuthError naming the header, the
 * secret never echoed), the signing token's Standard Webhooks signature, every real fixture payload parsed into the
 * issue it shows (webhook timestamps included), deliveries from the fake's sender verified and parsed, and
 * malformed deliveries refused as ValidationError.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/fakes/git/common/receiver.ts';
import { AuthError, ValidationError } from '../../../src/protocol/errors.ts';
import type { IssueWebhookRequest } from '../../../src/protocol/issues.ts';
import { FIXTURE_TOKEN, FIXTURES, PROJECT, START, useFakeGitLab } from './helpers.ts';

const SECRET = 'hook-secret-4f1c';

const env = useFakeGitLab();

function request(body: string | Buffer, headers: Record<string, string | undefined>): IssueWebhookRequest {
  return { headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

/** A fixture delivered as drone/go-scm's tests deliver it (SOURCE.md), with a current GitLab's event UUID. */
function fixture(name: string, headers: Record<string, string | undefined> = {}): IssueWebhookRequest {
  return request(readFileSync(resolve(FIXTURES, `issue.${name}.json`)), {
    'content-type': 'application/json',
    'x-gitlab-event': 'Issue Hook',
    'x-gitlab-token': FIXTURE_TOKEN,
    'x-gitlab-event-uuid': `uuid-${name}`,
    ...headers,
  });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('verifyWebhook', () => {
  test('the token equal to the secret verifies; nothing is returned', () => {
    expect(env.provider.verifyWebhook(fixture('open'), FIXTURE_TOKEN)).toBeUndefined();
  });

  test('a missing or empty X-Gitlab-Token is an AuthError naming the header', () => {
    for (const token of [undefined, '']) {
      const err = thrown(() => env.provider.verifyWebhook(fixture('open', { 'x-gitlab-token': token }), FIXTURE_TOKEN));
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).message).toMatch(/X-Gitlab-Token/);
    }
  });

  test('a wrong token — shorter, longer, or one character off — is an AuthError that echoes neither value', () => {
    for (const token of [FIXTURE_TOKEN.slice(0, -1), `${FIXTURE_TOKEN}0`, `${FIXTURE_TOKEN.slice(0, -1)}b`, 'x']) {
      const err = thrown(() => env.provider.verifyWebhook(fixture('open', { 'x-gitlab-token': token }), FIXTURE_TOKEN)) as AuthError;
      expect(err).toBeInstanceOf(AuthError);
      expect(err.message).toMatch(/X-Gitlab-Token/);
      expect(`${err.message} ${JSON.stringify(err.detail ?? {})}`).not.toContain(FIXTURE_TOKEN.slice(0, 8));
    }
  });

  test('no configured secret cannot verify anything', () => {
    expect(thrown(() => env.provider.verifyWebhook(fixture('open', { 'x-gitlab-token': '' }), ''))).toBeInstanceOf(ValidationError);
  });

  describe('signing token (Standard Webhooks headers, reference §7)', () => {
    // The reference's computed example: key bytes 0x00–0x1f.
    const signingToken = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
    const id = 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f';
    const signed = (headers: Record<string, string> = {}) =>
      request('Hello, World!', { 'webhook-id': id, 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,BdbM4XE/hsZgND5GyN2i/LEqinBRuBj6DtEf9Q40y8w=', ...headers });

    test('the reference vector verifies', () => {
      env.clock = 1_700_000_000_000 + 60_000;
      expect(env.providerWith().verifyWebhook(signed(), signingToken)).toBeUndefined();
      // One of several space-separated signatures (a key rotation) is enough.
      expect(env.providerWith().verifyWebhook(signed({ 'webhook-signature': 'v1,AAAA v1,BdbM4XE/hsZgND5GyN2i/LEqinBRuBj6DtEf9Q40y8w=' }), signingToken)).toBeUndefined();
    });

    test('a changed body, id or timestamp, or a stale timestamp, is an AuthError', () => {
      env.clock = 1_700_000_000_000;
      const p = env.providerWith();
      expect(thrown(() => p.verifyWebhook({ ...signed(), body: Buffer.from('Hello, World?') }, signingToken))).toBeInstanceOf(AuthError);
      expect(thrown(() => p.verifyWebhook(signed({ 'webhook-id': 'other' }), signingToken))).toBeInstanceOf(AuthError);
      const resigned = createHmac('sha256', Buffer.from(signingToken.slice(6), 'base64')).update(`${id}.1699999000.Hello, World!`).digest('base64');
      expect(thrown(() => p.verifyWebhook(signed({ 'webhook-timestamp': '1699999000', 'webhook-signature': `v1,${resigned}` }), signingToken))).toMatchObject({ message: /webhook-timestamp/ });
      expect(thrown(() => p.verifyWebhook(signed({ 'webhook-signature': 'v1,BdbM4XE/hsZgND5GyN2i/LEqinBRuBj6DtEf9Q40y8x=' }), signingToken))).toMatchObject({ message: /webhook-signature/ });
    });
  });
});

describe('parseWebhook on the real fixtures', () => {
  const url = 'https://gitlab.com/gitlab-org/hello-world/issues/1';
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['open', 'open', { title: 'found a bug', body: 'everything is broken', state: 'open', labels: [], assignees: [] }, '2017-12-10T16:37:38Z'],
    ['update.description', 'update', { title: 'found a bug', body: 'website is broken', state: 'open', labels: [], assignees: [] }, '2017-12-10T16:38:25Z'],
    ['update.labels', 'update', { title: 'found a bug', body: 'website is broken', state: 'open', labels: ['critical'], assignees: [] }, '2017-12-10T16:38:25Z'],
    ['close', 'close', { title: 'found a bug', body: 'website is broken', state: 'closed', labels: ['critical'], assignees: [] }, '2017-12-10T16:41:28Z'],
    ['reopen', 'reopen', { title: 'found a bug', body: 'website is broken', state: 'open', labels: ['critical'], assignees: [] }, '2017-12-10T16:41:55Z'],
  ];
  test.each(cases)('issue.%s.json verifies with its token and is an upsert (action %s)', (name, action, fields, updated) => {
    const delivery = fixture(name);
    env.provider.verifyWebhook(delivery, FIXTURE_TOKEN);
    expect(env.provider.parseWebhook(delivery)).toEqual({
      deliveryId: `uuid-${name}`,
      event: 'Issue Hook',
      action,
      change: { kind: 'upsert', issue: { externalId: '1', url, fields, updatedAt: new Date(updated) } },
      payload: JSON.parse(delivery.body.toString('utf8')),
    });
  });
});

describe('parseWebhook', () => {
  test('the delivery id is X-Gitlab-Event-UUID, else Idempotency-Key; never the hook’s own X-Gitlab-Webhook-UUID', () => {
    expect(env.provider.parseWebhook(fixture('open', { 'idempotency-key': 'idem-1' })).deliveryId).toBe('uuid-open');
    expect(env.provider.parseWebhook(fixture('open', { 'x-gitlab-event-uuid': undefined, 'idempotency-key': 'idem-1' })).deliveryId).toBe('idem-1');
    const err = thrown(() => env.provider.parseWebhook(fixture('open', { 'x-gitlab-event-uuid': undefined, 'x-gitlab-webhook-uuid': 'hook-1' })));
    expect(err).toBeInstanceOf(ValidationError);
  });

  test('assignees by username; ISO timestamps parse too; description null is ""', () => {
    const body = JSON.parse(readFileSync(resolve(FIXTURES, 'issue.open.json'), 'utf8'));
    body.object_attributes.description = null;
    body.object_attributes.updated_at = '2013-12-03T17:15:43Z';
    body.assignees = [{ id: 7, name: 'Alice', username: 'alice' }, { id: 8, name: 'Bob', username: 'bob' }];
    body.object_attributes.assignee_ids = [7, 8];
    const event = env.provider.parseWebhook(request(JSON.stringify(body), { 'x-gitlab-event': 'Issue Hook', 'x-gitlab-event-uuid': 'u1' }));
    expect(event.change).toMatchObject({ kind: 'upsert', issue: { fields: { body: '', assignees: ['alice', 'bob'] }, updatedAt: new Date('2013-12-03T17:15:43Z') } });
  });

  test('assignee_ids without assignees are read through known ids, and refused when unknown', async () => {
    const body = JSON.parse(readFileSync(resolve(FIXTURES, 'issue.open.json'), 'utf8'));
    body.object_attributes.assignee_ids = [env.fake.store.user('alice').id];
    const delivery = request(JSON.stringify(body), { 'x-gitlab-event': 'Issue Hook', 'x-gitlab-event-uuid': 'u2' });
    expect(thrown(() => env.provider.parseWebhook(delivery))).toBeInstanceOf(ValidationError);
    env.fake.store.create(PROJECT, { title: 't', assignees: ['alice'] }, { quiet: true });
    await env.provider.get('1');
    expect(env.provider.parseWebhook(delivery).change).toMatchObject({ issue: { fields: { assignees: ['alice'] } } });
  });

  test('events that are not about an issue are stored with change null', () => {
    const note = request(JSON.stringify({ object_kind: 'note', object_attributes: { id: 1, note: 'hi', action: 'create' } }), { 'x-gitlab-event': 'Note Hook', 'x-gitlab-event-uuid': 'n1' });
    expect(env.provider.parseWebhook(note)).toEqual({ deliveryId: 'n1', event: 'Note Hook', action: 'create', change: null, payload: { object_kind: 'note', object_attributes: { id: 1, note: 'hi', action: 'create' } } });
    const push = request(JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main' }), { 'x-gitlab-event': 'Push Hook', 'x-gitlab-event-uuid': 'p1' });
    expect(env.provider.parseWebhook(push)).toEqual({ deliveryId: 'p1', event: 'Push Hook', action: null, change: null, payload: { object_kind: 'push', ref: 'refs/heads/main' } });
  });

  test('bad JSON, a body that is not an issue, or a missing X-Gitlab-Event is a ValidationError', () => {
    const h = { 'x-gitlab-event': 'Issue Hook', 'x-gitlab-event-uuid': 'u' };
    expect(thrown(() => env.provider.parseWebhook(request('{not json', h)))).toBeInstanceOf(ValidationError);
    expect(thrown(() => env.provider.parseWebhook(request('[1,2]', h)))).toBeInstanceOf(ValidationError);
    expect(thrown(() => env.provider.parseWebhook(request(JSON.stringify({ object_kind: 'issue', object_attributes: { iid: 1 } }), h)))).toBeInstanceOf(ValidationError);
    const badTime = JSON.parse(readFileSync(resolve(FIXTURES, 'issue.open.json'), 'utf8'));
    badTime.object_attributes.updated_at = 'yesterday';
    expect(thrown(() => env.provider.parseWebhook(request(JSON.stringify(badTime), h)))).toBeInstanceOf(ValidationError);
    const err = thrown(() => env.provider.parseWebhook(fixture('open', { 'x-gitlab-event': undefined })));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/X-Gitlab-Event/);
  });
});

describe('deliveries from the fake GitLab', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(() => receiver.close());

  const asRequest = (d: WebhookReceiver['received'][number]): IssueWebhookRequest => ({
    headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
    body: d.raw,
  });

  test('each verifies with the hook secret and parses to the issue the API then shows; a wrong secret is refused', async () => {
    env.fake.webhooks.subscribe(PROJECT, { url: receiver.url, secret: SECRET });
    env.fake.store.user('alice');
    env.fake.store.create(PROJECT, { title: 'Seen', assignees: ['alice'] }, { quiet: true });
    await env.provider.get('1'); // learns alice's id
    env.clock += 1_000;
    await env.provider.create({ title: 'From the API', body: 'b', state: 'open', labels: ['bug'], assignees: ['alice'] });
    env.clock += 1_000;
    await env.provider.update('2', { state: 'closed', labels: ['bug', 'done'] });
    env.clock += 1_000;
    env.fake.store.remoteEdit(PROJECT, 2, { state: 'open', assignees: [] });
    await env.fake.webhooks.flush();
    expect(receiver.received).toHaveLength(3);

    const events = receiver.received.map((d) => {
      const req = asRequest(d);
      env.provider.verifyWebhook(req, SECRET);
      expect(thrown(() => env.provider.verifyWebhook(req, 'not-the-secret'))).toBeInstanceOf(AuthError);
      return env.provider.parseWebhook(req);
    });
    expect(events.map((e) => [e.event, e.action, e.change?.kind])).toEqual([
      ['Issue Hook', 'open', 'upsert'],
      ['Issue Hook', 'close', 'upsert'],
      ['Issue Hook', 'reopen', 'upsert'],
    ]);
    expect(events.map((e) => e.deliveryId)).toEqual(receiver.received.map((d) => d.headers['x-gitlab-event-uuid']));
    expect(new Set(events.map((e) => e.deliveryId)).size).toBe(3);
    const snapshots = events.map((e) => (e.change?.kind === 'upsert' ? e.change.issue : null));
    expect(snapshots[0]).toMatchObject({ externalId: '2', fields: { title: 'From the API', body: 'b', state: 'open', labels: ['bug'], assignees: ['alice'] }, updatedAt: new Date(START + 1_000) });
    expect(snapshots[1]).toMatchObject({ fields: { state: 'closed', labels: ['bug', 'done'], assignees: ['alice'] } });
    // The last snapshot is what the API shows now (webhook times are whole seconds; these edits were on the second).
    expect(snapshots[2]).toEqual(await env.provider.get('2'));
  });
});
