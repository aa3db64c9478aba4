/**
 * The GitLab provider's reads and writes against the fake GitLab over real HTTP: issues by iid in a project named by
 * its encoded path or id, a missing issue as null (but a missing project as an error), create and update as the
 * fake then holds them (labels by name, replaced as a set; assignees by id; close and reopen through `state_event`),
 * and delete.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { NotFound, ValidationError } from '../../../src/protocol/errors.ts';
import { PROJECT, startUsersFront, useFakeGitLab } from './helpers.ts';

const env = useFakeGitLab();

describe('get', () => {
  test('reads an issue by iid into RemoteIssue: a null description is "", opened is open, labels and assignees by name', async () => {
    env.fake.store.create(PROJECT, { title: 'Login fails', body: null, labels: ['bug', 'auth'], assignees: ['alice', 'bob'] }, { quiet: true });
    const issue = await env.provider.get('1');
    expect(issue).toEqual({
      externalId: '1',
      url: `${env.fake.url}/${PROJECT}/-/issues/1`,
      fields: { title: 'Login fails', body: '', state: 'open', labels: ['bug', 'auth'], assignees: ['alice', 'bob'] },
      updatedAt: new Date(env.clock),
    });
    // The request went to the project's path encoded as one segment, by iid.
    expect(env.fake.requests.at(-1)!.path).toBe(`/api/v4/projects/${encodeURIComponent(PROJECT)}/issues/1`);
  });

  test('closed issues read as closed, with updated_at to the millisecond', async () => {
    env.clock += 1_234;
    env.fake.store.create(PROJECT, { title: 'Done', body: 'fixed', state: 'closed' }, { quiet: true });
    expect(await env.provider.get('1')).toMatchObject({ fields: { state: 'closed', body: 'fixed' }, updatedAt: new Date(env.clock) });
  });

  test('a project given by numeric id works the same', async () => {
    env.fake.store.create(PROJECT, { title: 'By id' }, { quiet: true });
    const byId = env.providerWith({ repo: '1' });
    expect((await byId.get('1'))?.fields.title).toBe('By id');
    expect(env.fake.requests.at(-1)!.path).toBe('/api/v4/projects/1/issues/1');
  });

  test('an issue that does not exist, or was deleted, is null', async () => {
    expect(await env.provider.get('42')).toBeNull();
    env.fake.store.create(PROJECT, { title: 'Gone soon' }, { quiet: true });
    env.fake.store.delete(PROJECT, 1, { quiet: true });
    expect(await env.provider.get('1')).toBeNull();
  });

  test('a project that does not exist (or is not visible) is a NotFound error, not a null issue', async () => {
    const elsewhere = env.providerWith({ repo: 'gitlab-org/no-such-project' });
    const err = await elsewhere.get('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFound);
    expect((err as NotFound).message).toMatch(/project "gitlab-org\/no-such-project" does not exist/);
    // A wrong API root is no route at all: also an error, never "the issue is gone".
    const wrongRoot = env.providerWith({ baseUrl: `${env.fake.url}/api/v3/api/v4` });
    await expect(wrongRoot.get('1')).rejects.toBeInstanceOf(NotFound);
  });

  test('an externalId that is not an iid is refused before any request', async () => {
    const before = env.fake.requests.length;
    await expect(env.provider.get('../1')).rejects.toBeInstanceOf(ValidationError);
    await expect(env.provider.get('0')).rejects.toBeInstanceOf(ValidationError);
    expect(env.fake.requests.length).toBe(before);
  });
});

describe('create', () => {
  test('an open issue with labels: POST with comma-separated names, unknown labels created', async () => {
    const created = await env.provider.create({ title: 'Crash on start', body: 'Stack trace attached', state: 'open', labels: ['bug', 'p1'], assignees: [] });
    expect(created).toMatchObject({ externalId: '1', fields: { title: 'Crash on start', body: 'Stack trace attached', state: 'open', labels: ['bug', 'p1'], assignees: [] } });
    const held = env.fake.store.get(PROJECT, 1)!;
    expect(held).toMatchObject({ title: 'Crash on start', body: 'Stack trace attached', state: 'open', labels: ['bug', 'p1'], assignees: [] });
    expect(env.fake.store.labels(PROJECT).map((l) => l.name)).toEqual(['bug', 'p1']);
    expect(env.fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201']);
  });

  test('a closed issue is created, then closed with state_event, and comes back closed', async () => {
    const created = await env.provider.create({ title: 'Already fixed', body: '', state: 'closed', labels: [], assignees: [] });
    expect(created.fields.state).toBe('closed');
    expect(env.fake.store.get(PROJECT, 1)!.state).toBe('closed');
    expect(env.fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201', 'PUT 200']);
  });

  test('assignees by username become assignee_ids through the ids GitLab showed us', async () => {
    // The fake has no /users route, so ids are learned from answers naming these users.
    env.fake.store.create(PROJECT, { title: 'Seen before', assignees: ['alice', 'bob'] }, { quiet: true });
    await env.provider.get('1');
    const created = await env.provider.create({ title: 'Assigned', body: 'x', state: 'open', labels: [], assignees: ['bob', 'alice'] });
    expect(created.fields.assignees).toEqual(['bob', 'alice']);
    expect(env.fake.store.get(PROJECT, 2)!.assignees).toEqual(['bob', 'alice']);
  });

  test('a username never seen is looked up with GET /users?username= once, then known', async () => {
    const carol = env.fake.store.user('carol');
    const front = await startUsersFront(env.fake);
    try {
      const viaFront = env.providerWith({ baseUrl: `${front.url}/api/v4` });
      const first = await viaFront.create({ title: 'For Carol', body: '', state: 'open', labels: [], assignees: ['Carol'] });
      expect(first.fields.assignees).toEqual(['carol']);
      expect(env.fake.store.get(PROJECT, 1)!.assignees).toEqual(['carol']);
      await viaFront.update('1', { assignees: ['carol'] });
      expect(front.lookups).toEqual(['Carol']);
      expect(env.fake.store.get(PROJECT, 1)!.assignees).toEqual([carol.login]);
      // A name GitLab does not know: refused before anything is written.
      const before = env.fake.store.count(PROJECT);
      await expect(viaFront.create({ title: 'For nobody', body: '', state: 'open', labels: [], assignees: ['mallory'] })).rejects.toThrow(/no user "mallory"/);
      expect(env.fake.store.count(PROJECT)).toBe(before);
    } finally {
      await front.close();
    }
  });

  test('an assignee GitLab cannot resolve is a ValidationError and nothing is created', async () => {
    const err = await env.provider.create({ title: 'x', body: '', state: 'open', labels: [], assignees: ['ghost'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).detail).toEqual({ unknown_usernames: ['ghost'] });
    expect(env.fake.store.count(PROJECT)).toBe(0);
  });

  test('a label name with a comma is refused (GitLab label names cannot hold one)', async () => {
    await expect(env.provider.create({ title: 'x', body: '', state: 'open', labels: ['a,b'], assignees: [] })).rejects.toBeInstanceOf(ValidationError);
    expect(env.fake.store.count(PROJECT)).toBe(0);
  });
});

describe('update', () => {
  beforeEach(() => {
    env.fake.store.create(PROJECT, { title: 'Original', body: 'first', labels: ['bug', 'ui'], assignees: ['alice', 'bob'] }, { quiet: true });
  });

  test('each field alone changes only that field', async () => {
    await env.provider.get('1'); // learns alice's and bob's ids
    env.clock += 1_000;
    expect((await env.provider.update('1', { title: 'Renamed' })).fields).toEqual({ title: 'Renamed', body: 'first', state: 'open', labels: ['bug', 'ui'], assignees: ['alice', 'bob'] });
    env.clock += 1_000;
    expect((await env.provider.update('1', { body: 'second' })).fields.body).toBe('second');
    env.clock += 1_000;
    const relabelled = await env.provider.update('1', { labels: ['ui', 'docs'] });
    expect(relabelled.fields.labels).toEqual(['ui', 'docs']);
    env.clock += 1_000;
    const reassigned = await env.provider.update('1', { assignees: ['bob'] });
    expect(reassigned.fields.assignees).toEqual(['bob']);
    expect(reassigned.updatedAt).toEqual(new Date(env.clock));
    expect(env.fake.store.get(PROJECT, 1)).toMatchObject({ title: 'Renamed', body: 'second', state: 'open', labels: ['ui', 'docs'], assignees: ['bob'] });
    expect(env.fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(4);
  });

  test('fields not given are not sent: an edit made meanwhile on the website survives', async () => {
    env.fake.store.remoteEdit(PROJECT, 1, { body: 'edited on the web', labels: ['web'], state: 'closed' });
    const after = await env.provider.update('1', { title: 'Renamed here' });
    expect(after.fields).toEqual({ title: 'Renamed here', body: 'edited on the web', state: 'closed', labels: ['web'], assignees: ['alice', 'bob'] });
  });

  test('labels are replaced as a set: an empty set clears them; assignees likewise', async () => {
    expect((await env.provider.update('1', { labels: [], assignees: [] })).fields).toMatchObject({ labels: [], assignees: [] });
    expect(env.fake.store.get(PROJECT, 1)).toMatchObject({ labels: [], assignees: [] });
  });

  test('close and reopen go through state_event; a body of "" stays ""', async () => {
    env.clock += 1_000;
    const closed = await env.provider.update('1', { state: 'closed', body: '' });
    expect(closed.fields).toMatchObject({ state: 'closed', body: '' });
    expect(env.fake.store.get(PROJECT, 1)).toMatchObject({ state: 'closed', closed_at: env.clock });
    env.clock += 1_000;
    expect((await env.provider.update('1', { state: 'open' })).fields.state).toBe('open');
    expect(env.fake.store.get(PROJECT, 1)!.state).toBe('open');
  });

  test('no fields: the issue as it is, without a PUT (GitLab would answer 400)', async () => {
    expect((await env.provider.update('1', {})).fields.title).toBe('Original');
    expect(env.fake.requests.map((r) => r.method)).toEqual(['GET']);
  });

  test('updating an issue that does not exist is NotFound', async () => {
    await expect(env.provider.update('9', { title: 'x' })).rejects.toBeInstanceOf(NotFound);
    await expect(env.provider.update('9', {})).rejects.toBeInstanceOf(NotFound);
  });
});

describe('delete', () => {
  test('deletes the issue; get is null afterwards; deleting again is done too', async () => {
    env.fake.store.create(PROJECT, { title: 'Spam' }, { quiet: true });
    expect(env.provider.canDelete).toBe(true);
    await env.provider.delete('1');
    expect(env.fake.store.wasDeleted(PROJECT, 1)).toBe(true);
    expect(await env.provider.get('1')).toBeNull();
    await expect(env.provider.delete('1')).resolves.toBeUndefined();
    expect(env.fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([204, 404]);
  });

  test('deleting in a project that does not exist is an error, not done', async () => {
    await expect(env.providerWith({ repo: 'nobody/nothing' }).delete('1')).rejects.toBeInstanceOf(NotFound);
  });
});
