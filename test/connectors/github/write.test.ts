/**
 * Writing issues on the fake GitHub: create (closed ones closed with a follow-up PATCH), update with only the given
 * fields (labels and assignees replace their sets), and delete, which GitHub's REST API cannot do.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NotFound, ValidationError } from '../../../src/protocol/errors.ts';
import { REPO, rejection, setup, START, type Setup } from './helpers.ts';

let s: Setup;
beforeEach(async () => {
  s = await setup();
});
afterEach(() => s.close());

const held = (n: number) => {
  const i = s.fake.store.get(REPO, n)!;
  return { title: i.title, body: i.body, state: i.state, labels: [...i.labels], assignees: [...i.assignees] };
};

describe('create', () => {
  test('an open issue is one POST with title, body, labels and assignees, and comes back as GitHub holds it', async () => {
    const created = await s.provider.create({ title: 'Broken link', body: 'On the home page', state: 'open', labels: ['bug', 'docs'], assignees: ['alice'] });
    expect(s.fake.requests.map((r) => [r.method, r.path, r.status])).toEqual([['POST', `/repos/${REPO}/issues`, 201]]);
    expect(held(1)).toEqual({ title: 'Broken link', body: 'On the home page', state: 'open', labels: ['bug', 'docs'], assignees: ['alice'] });
    expect(created).toEqual({
      externalId: '1',
      url: `${s.fake.url}/${REPO}/issues/1`,
      fields: { title: 'Broken link', body: 'On the home page', state: 'open', labels: ['bug', 'docs'], assignees: ['alice'] },
      updatedAt: new Date(START),
    });
  });

  test('a closed issue is created, then closed with a PATCH', async () => {
    const created = await s.provider.create({ title: 'Already fixed', body: '', state: 'closed', labels: [], assignees: [] });
    expect(s.fake.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', `/repos/${REPO}/issues`, 201],
      ['PATCH', `/repos/${REPO}/issues/1`, 200],
    ]);
    expect(held(1)).toMatchObject({ title: 'Already fixed', state: 'closed', labels: [], assignees: [] });
    expect(created.fields.state).toBe('closed');
  });

  test('when the closing PATCH fails the created issue is returned open, not thrown, so a retry cannot duplicate it', async () => {
    s.fake.faults.inject(1, 'server_error', { method: 'PATCH', status: 502 });
    const created = await s.provider.create({ title: 'Half done', body: 'b', state: 'closed', labels: [], assignees: [] });
    expect(created).toMatchObject({ externalId: '1', fields: { state: 'open' } });
    expect(s.fake.store.count(REPO)).toBe(1);
    expect(s.fake.requests.map((r) => r.status)).toEqual([201, 502]);
  });

  test('GitHub’s 422 for an invalid issue is a ValidationError', async () => {
    expect(await rejection(s.provider.create({ title: '', body: '', state: 'open', labels: [], assignees: [] }))).toBeInstanceOf(ValidationError);
  });
});

describe('update', () => {
  beforeEach(() => {
    s.fake.store.create(REPO, { title: 'Original', body: 'Body', labels: ['bug', 'ui'], assignees: ['alice', 'bob'] });
  });

  test('labels and assignees replace the sets; state closes and reopens; other fields are left alone', async () => {
    s.clock.now += 3_000;
    const after = await s.provider.update('1', { labels: ['docs'], assignees: ['carol'], state: 'closed' });
    expect(held(1)).toEqual({ title: 'Original', body: 'Body', state: 'closed', labels: ['docs'], assignees: ['carol'] });
    expect(after).toMatchObject({ externalId: '1', fields: { title: 'Original', body: 'Body', state: 'closed', labels: ['docs'], assignees: ['carol'] }, updatedAt: new Date(START + 3_000) });

    s.clock.now += 1_000;
    await s.provider.update('1', { state: 'open', labels: [], assignees: [] });
    expect(held(1)).toEqual({ title: 'Original', body: 'Body', state: 'open', labels: [], assignees: [] });
  });

  test('only the fields given are sent: a concurrent title edit on GitHub survives a label update', async () => {
    s.fake.store.remoteEdit(REPO, 1, { title: 'Edited on the website' });
    const after = await s.provider.update('1', { labels: ['docs'] });
    expect(after.fields).toMatchObject({ title: 'Edited on the website', body: 'Body', labels: ['docs'], assignees: ['alice', 'bob'] });
  });

  test('title and body; an empty body stays empty', async () => {
    const after = await s.provider.update('1', { title: 'Renamed', body: '' });
    expect(after.fields).toMatchObject({ title: 'Renamed', body: '' });
    expect(held(1)).toMatchObject({ title: 'Renamed', body: '' });
  });

  test('an empty change sends no PATCH and answers the issue as it is', async () => {
    const now = await s.provider.update('1', {});
    expect(now.fields.title).toBe('Original');
    expect(s.fake.requests.map((r) => r.method)).toEqual(['GET']);
  });

  test('an issue that is not there (404) or deleted (410) is NotFound', async () => {
    expect(await rejection(s.provider.update('9', { title: 'x' }))).toBeInstanceOf(NotFound);
    s.fake.store.remoteDelete(REPO, 1);
    expect(await rejection(s.provider.update('1', { title: 'x' }))).toBeInstanceOf(NotFound);
    expect(await rejection(s.provider.update('1', {}))).toBeInstanceOf(NotFound);
  });
});

describe('delete', () => {
  test('GitHub cannot delete issues: canDelete is false and delete() throws a ValidationError that says so', async () => {
    s.fake.store.create(REPO, { title: 'stays' });
    expect(s.provider.canDelete).toBe(false);
    const err = await rejection(s.provider.delete('1'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(/cannot delete issues/);
    expect(s.fake.requests).toHaveLength(0);
    expect(s.fake.store.get(REPO, 1)?.deleted).toBe(false);
  });
});
