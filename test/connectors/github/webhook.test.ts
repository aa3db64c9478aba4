/**
 * GitHub `issues` webhooks: X-Hub-Signature-256 verified over the raw bytes (the docs' test vector, real recorded
 * payloads signed here, and live deliveries from the fake's sender), forged or missing signatures refused with
 * AuthError, and deliveries parsed into events — upserts, deletions, and null for what is not about our issues.
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createGitHubProvider } from '../../../src/connectors/github/index.ts';
import { startWebhookReceiver, type ReceivedDelivery, type WebhookReceiver } from '../../../src/fakes/git/common/receiver.ts';
import { AuthError, ValidationError } from '../../../src/protocol/errors.ts';
import type { IssueWebhookEvent, IssueWebhookRequest } from '../../../src/protocol/issues.ts';
import { REPO, setup, type Setup } from './helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/github-webhooks');
const SECRET = 'test-hook-secret';
// reference github.md §7, from GitHub's validating-webhook-deliveries docs.
const DOCS_SECRET = "It's a Secret to Everybody";
const DOCS_PAYLOAD = 'Hello, World!';
const DOCS_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

// The fixtures' repository: events about any other are not about this provider's issues.
const fixtureProvider = createGitHubProvider({ baseUrl: 'https://api.github.com', repo: 'Codertocat/Hello-World', token: 'unused' });

function signed(body: string | Buffer, headers: Record<string, string> = {}, secret = SECRET): IssueWebhookRequest {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return {
    body: raw,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
      ...headers,
    },
  };
}

/** A received delivery as the engine's HTTP layer would hand it over: lowercase names, single values. */
function asRequest(d: ReceivedDelivery): IssueWebhookRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(d.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return { headers, body: d.raw };
}

describe('verifyWebhook', () => {
  test('the GitHub docs’ test vector verifies', () => {
    const request = { body: Buffer.from(DOCS_PAYLOAD), headers: { 'x-hub-signature-256': DOCS_SIGNATURE } };
    expect(() => fixtureProvider.verifyWebhook(request, DOCS_SECRET)).not.toThrow();
    // Hex case is not part of the signature.
    expect(() => fixtureProvider.verifyWebhook({ ...request, headers: { 'x-hub-signature-256': DOCS_SIGNATURE.toUpperCase().replace('SHA256=', 'sha256=') } }, DOCS_SECRET)).not.toThrow();
  });

  test('a forged signature, a changed body, the wrong secret, or a missing or malformed header is AuthError naming the header', () => {
    const good = { body: Buffer.from(DOCS_PAYLOAD), headers: { 'x-hub-signature-256': DOCS_SIGNATURE } };
    const cases: [string, IssueWebhookRequest, string][] = [
      ['forged', { ...good, headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } }, DOCS_SECRET],
      ['changed body', { ...good, body: Buffer.from('Hello, World?') }, DOCS_SECRET],
      ['wrong secret', good, 'another secret'],
      ['missing', { ...good, headers: {} }, DOCS_SECRET],
      ['empty', { ...good, headers: { 'x-hub-signature-256': '' } }, DOCS_SECRET],
      ['legacy sha1 only', { ...good, headers: { 'x-hub-signature': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59' } }, DOCS_SECRET],
      ['sha1 in the sha256 header', { ...good, headers: { 'x-hub-signature-256': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59' } }, DOCS_SECRET],
      ['truncated', { ...good, headers: { 'x-hub-signature-256': DOCS_SIGNATURE.slice(0, -2) } }, DOCS_SECRET],
      ['not hex', { ...good, headers: { 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` } }, DOCS_SECRET],
    ];
    for (const [name, request, secret] of cases) {
      let caught: unknown;
      try {
        fixtureProvider.verifyWebhook(request, secret);
      } catch (err) {
        caught = err;
      }
      expect(caught, name).toBeInstanceOf(AuthError);
      expect((caught as Error).message, name).toContain('X-Hub-Signature-256');
      expect((caught as Error).message, name).not.toContain(secret);
    }
  });

  test('an empty secret is a configuration error, not a pass', () => {
    const request = signed('{}', {}, '');
    expect(() => fixtureProvider.verifyWebhook(request, '')).toThrow(ValidationError);
  });
});

describe('the recorded GitHub payloads (test/fixtures/github-webhooks)', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  test('all six are there', () => {
    expect(files.sort()).toEqual(['issues.assigned.json', 'issues.deleted.json', 'issues.edited.json', 'issues.labeled.json', 'issues.opened.json', 'issues.reopened.json']);
  });

  for (const file of files) {
    test(`${file} verifies when signed and parses into its event`, () => {
      const raw = readFileSync(resolve(FIXTURES, file));
      const json = JSON.parse(raw.toString('utf8'));
      const request = signed(raw);
      fixtureProvider.verifyWebhook(request, SECRET);
      const event = fixtureProvider.parseWebhook(request);
      expect(event).toMatchObject({ deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', event: 'issues', action: json.action });
      if (json.action === 'deleted') {
        expect(event.change).toEqual({ kind: 'deleted', externalId: String(json.issue.number) });
        return;
      }
      expect(event.change).toEqual({
        kind: 'upsert',
        issue: {
          externalId: String(json.issue.number),
          url: json.issue.html_url,
          fields: {
            title: json.issue.title,
            body: json.issue.body ?? '',
            state: json.issue.state,
            labels: json.issue.labels.map((l: any) => l.name),
            assignees: json.issue.assignees.map((u: any) => u.login),
          },
          updatedAt: new Date(json.issue.updated_at),
        },
      });
    });
  }

  test('opened, concretely: Codertocat’s spelling issue', () => {
    const event = fixtureProvider.parseWebhook(signed(readFileSync(resolve(FIXTURES, 'issues.opened.json'))));
    expect(event.change).toMatchObject({
      kind: 'upsert',
      issue: { externalId: '1', url: 'https://github.com/Codertocat/Hello-World/issues/1', fields: { title: 'Spelling error in the README file', state: 'open', labels: ['bug'], assignees: ['Codertocat'] }, updatedAt: new Date('2019-05-15T15:20:18Z') },
    });
  });
});

describe('parseWebhook', () => {
  const opened = readFileSync(resolve(FIXTURES, 'issues.opened.json'), 'utf8');

  test('events that are not about an issue of this repository have no change', () => {
    const ping = fixtureProvider.parseWebhook(signed(JSON.stringify({ zen: 'Design for failure.', hook_id: 1 }), { 'x-github-event': 'ping' }));
    expect(ping).toEqual({ deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', event: 'ping', action: null, change: null, payload: { zen: 'Design for failure.', hook_id: 1 } });
    const pull = fixtureProvider.parseWebhook(signed(JSON.stringify({ action: 'opened', number: 2, pull_request: {} }), { 'x-github-event': 'pull_request' }));
    expect(pull).toMatchObject({ event: 'pull_request', action: 'opened', change: null });
    const other = createGitHubProvider({ baseUrl: 'https://api.github.com', repo: 'octocat/elsewhere', token: 'unused' });
    expect(other.parseWebhook(signed(opened)).change).toBeNull();
    // GitHub paths ignore case.
    const sameRepo = createGitHubProvider({ baseUrl: 'https://api.github.com', repo: 'codertocat/hello-world', token: 'unused' });
    expect(sameRepo.parseWebhook(signed(opened)).change?.kind).toBe('upsert');
  });

  test('a transferred issue is gone from this repository', () => {
    const json = JSON.parse(opened);
    const event = fixtureProvider.parseWebhook(signed(JSON.stringify({ ...json, action: 'transferred' })));
    expect(event.change).toEqual({ kind: 'deleted', externalId: '1' });
  });

  test('a form-encoded delivery (payload=…) parses the same', () => {
    const event = fixtureProvider.parseWebhook(signed(`payload=${encodeURIComponent(opened)}`, { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(event.change?.kind).toBe('upsert');
  });

  test('a body that is not JSON, not an object, or an issue event without an issue, and missing headers, are ValidationError', () => {
    expect(() => fixtureProvider.parseWebhook(signed('{not json'))).toThrow(ValidationError);
    expect(() => fixtureProvider.parseWebhook(signed('[1,2]'))).toThrow(ValidationError);
    expect(() => fixtureProvider.parseWebhook(signed(JSON.stringify({ action: 'opened', issue: { title: 'no number' } })))).toThrow(ValidationError);
    expect(() => fixtureProvider.parseWebhook(signed(JSON.stringify({ action: 'deleted', issue: {} })))).toThrow(ValidationError);
    const noDelivery = signed(opened);
    delete noDelivery.headers['x-github-delivery'];
    expect(() => fixtureProvider.parseWebhook(noDelivery)).toThrow(/X-GitHub-Delivery/);
    const noEvent = signed(opened);
    delete noEvent.headers['x-github-event'];
    expect(() => fixtureProvider.parseWebhook(noEvent)).toThrow(ValidationError);
  });
});

describe('deliveries from the fake GitHub’s webhook sender', () => {
  let s: Setup;
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    s = await setup();
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await s.close();
    await receiver.close();
  });

  test('every delivery verifies and parses; the last upsert is the issue as get() reads it; a deletion parses as one', async () => {
    s.fake.webhooks.subscribe(REPO, { url: receiver.url, secret: SECRET });
    await s.provider.create({ title: 'From the engine', body: 'b', state: 'open', labels: ['bug'], assignees: [] });
    s.clock.now += 2_000;
    s.fake.store.remoteEdit(REPO, 1, { title: 'Edited on the website', state: 'closed', add_assignees: ['dana'] });
    await s.fake.webhooks.flush();
    expect(receiver.received.length).toBeGreaterThanOrEqual(4);

    const events: IssueWebhookEvent[] = receiver.received.map((d) => {
      const request = asRequest(d);
      s.provider.verifyWebhook(request, SECRET);
      return s.provider.parseWebhook(request);
    });
    expect(events.map((e) => e.action)).toEqual(s.fake.webhooks.deliveries.map((d) => d.action));
    expect(new Set(events.map((e) => e.deliveryId)).size).toBe(events.length);
    expect(events.every((e) => e.event === 'issues' && e.change?.kind === 'upsert')).toBe(true);
    const last = events.at(-1)!.change;
    expect(last).toEqual({ kind: 'upsert', issue: await s.provider.get('1') });
    expect(last).toMatchObject({ issue: { fields: { title: 'Edited on the website', state: 'closed', labels: ['bug'], assignees: ['dana'] } } });

    s.fake.store.remoteDelete(REPO, 1);
    await s.fake.webhooks.flush();
    const deleted = asRequest(receiver.received.at(-1)!);
    s.provider.verifyWebhook(deleted, SECRET);
    expect(s.provider.parseWebhook(deleted).change).toEqual({ kind: 'deleted', externalId: '1' });
  });

  test('the same delivery under another secret, or with a byte changed, is refused', async () => {
    s.fake.webhooks.subscribe(REPO, { url: receiver.url, secret: SECRET });
    s.fake.store.remoteCreate(REPO, { title: 'x' });
    await s.fake.webhooks.flush();
    const request = asRequest(receiver.received[0]!);
    expect(() => s.provider.verifyWebhook(request, 'not-the-secret')).toThrow(AuthError);
    const tampered = Buffer.from(request.body);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 2) ^ 1, tampered.length - 2);
    expect(() => s.provider.verifyWebhook({ ...request, body: tampered }, SECRET)).toThrow(AuthError);
  });

  test('a hook without a secret sends no signature, which is refused', async () => {
    s.fake.webhooks.subscribe(REPO, receiver.url);
    s.fake.store.remoteCreate(REPO, { title: 'x' });
    await s.fake.webhooks.flush();
    expect(() => s.provider.verifyWebhook(asRequest(receiver.received[0]!), SECRET)).toThrow(/missing X-Hub-Signature-256/);
  });

  test('a form-encoded hook’s delivery verifies and parses', async () => {
    s.fake.webhooks.subscribe(REPO, { url: receiver.url, secret: SECRET, content_type: 'form' });
    s.fake.store.remoteCreate(REPO, { title: 'Form' });
    await s.fake.webhooks.flush();
    const request = asRequest(receiver.received[0]!);
    s.provider.verifyWebhook(request, SECRET);
    expect(s.provider.parseWebhook(request).change).toMatchObject({ kind: 'upsert', issue: { fields: { title: 'Form' } } });
  });
});
