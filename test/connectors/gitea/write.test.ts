/**
 * Writing issues to Gitea: create sends label ids (resolved by name, missing labels created once and cached),
 * assignees and `closed`; update changes only the fields given, replaces labels and assignees as sets and answers
 * the issue as it is after; delete is idempotent. A stale label id (the label was made again in the web UI) is
 * healed by reloading the labels, not lost.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_LABEL_COLOR } from '../../../src/connectors/gitea/index.ts';
import { NotFound } from '../../../src/protocol/errors.ts';
import { calls, fieldsOf, REPO, START, useFakeGitea } from './helpers.ts';

const env = useFakeGitea();

describe('create', () => {
  test('with existing and new labels, assignees, and closed: the issue comes back as Gitea holds it', async () => {
    env.fake.store.label(REPO, 'bug', { color: 'ee0701' });
    const created = await env.provider.create({ title: 'Crash', body: 'Stack trace', state: 'closed', labels: ['bug', 'needs-triage'], assignees: ['alice', 'bob'] });
    expect(created.externalId).toBe('1');
    expect(created.url).toBe(`${env.fake.url}/${REPO}/issues/1`);
    expect(created.updatedAt).toEqual(new Date(START));
    expect(fieldsOf(created)).toEqual({ title: 'Crash', body: 'Stack trace', state: 'closed', labels: ['bug', 'needs-triage'], assignees: ['alice', 'bob'] });
    expect(fieldsOf(await env.provider.get('1'))).toEqual(fieldsOf(created));
    // The missing label was made with our colour; the existing one kept its own.
    expect(env.fake.store.findLabel(REPO, 'needs-triage')?.color).toBe(DEFAULT_LABEL_COLOR.slice(1));
    expect(env.fake.store.findLabel(REPO, 'bug')?.color).toBe('ee0701');
    expect(calls(env.fake)).toEqual(['GET /labels', 'POST /labels', 'POST /issues', 'GET /issues/1']);
  });

  test('open, without labels or assignees, asks for no labels at all', async () => {
    const created = await env.provider.create({ title: 'Plain', body: '', state: 'open', labels: [], assignees: [] });
    expect(created.fields).toEqual({ title: 'Plain', body: '', state: 'open', labels: [], assignees: [] });
    expect(calls(env.fake)).toEqual(['POST /issues']);
  });

  test('labels are sent as ids: a label named like another label’s id still gets the right label', async () => {
    const first = env.fake.store.label(REPO, 'first');
    env.fake.store.label(REPO, String(first.id));
    const created = await env.provider.create({ title: 'Numeric label', body: '', state: 'open', labels: [String(first.id)], assignees: [] });
    expect(created.fields.labels).toEqual([String(first.id)]);
  });

  test('label ids are cached: the second write lists no labels, and a new label is created only once', async () => {
    const fields = { body: '', state: 'open' as const, labels: ['a', 'b'], assignees: [] };
    await Promise.all([env.provider.create({ ...fields, title: 'one' }), env.provider.create({ ...fields, title: 'two' })]);
    await env.provider.create({ ...fields, title: 'three' });
    const made = calls(env.fake);
    expect(made.filter((c) => c === 'POST /labels')).toHaveLength(2);
    expect(made.filter((c) => c === 'GET /labels')).toHaveLength(1);
    expect(env.fake.store.labels(REPO).map((l) => l.name)).toEqual(['a', 'b']);
  });

  test('a repository with more labels than one page: all are listed, and a server ignoring `page` does not loop', async () => {
    for (let i = 1; i <= 60; i++) env.fake.store.label(REPO, `label-${i}`);
    const created = await env.provider.create({ title: 'Many', body: '', state: 'open', labels: ['label-60', 'label-1'], assignees: [] });
    expect(fieldsOf(created)?.labels).toEqual(['label-1', 'label-60']);
    // The fake answers every label on every page: page 2 brings nothing new, so the walk stops there.
    expect(calls(env.fake)).toEqual(['GET /labels', 'GET /labels', 'POST /issues']);
  });

  test('a label made in the web UI after the cache was filled is found, not made twice', async () => {
    await env.provider.create({ title: 'fills the cache', body: '', state: 'open', labels: ['x'], assignees: [] });
    env.fake.store.label(REPO, 'from-ui');
    const created = await env.provider.create({ title: 'uses it', body: '', state: 'open', labels: ['from-ui'], assignees: [] });
    expect(created.fields.labels).toEqual(['from-ui']);
    expect(env.fake.store.labels(REPO).map((l) => l.name)).toEqual(['x', 'from-ui']);
  });

  test('a stale cached label id (the label was made again with a new id) is healed, not dropped', async () => {
    await env.provider.create({ title: 'fills the cache', body: '', state: 'open', labels: ['bug'], assignees: [] });
    // The fake cannot delete labels; giving the label a new id is what a delete and re-create in the UI does.
    env.fake.store.findLabel(REPO, 'bug')!.id = 9_001;
    const created = await env.provider.create({ title: 'stale', body: '', state: 'open', labels: ['bug'], assignees: [] });
    expect(created.fields.labels).toEqual(['bug']);
    const updated = await env.provider.update('1', { labels: ['bug'] });
    expect(updated.fields.labels).toEqual(['bug']);
  });
});

describe('update', () => {
  const seedIssue = () => env.fake.store.create(REPO, { title: 'Crash', body: 'Trace', labels: ['a', 'b'], assignees: ['alice', 'bob'] });

  test('each field alone changes only that field, and the answer is the issue after', async () => {
    seedIssue();
    const steps: [Parameters<typeof env.provider.update>[1], Record<string, unknown>][] = [
      [{ title: 'Crash on save' }, { title: 'Crash on save' }],
      [{ body: '' }, { body: '' }],
      [{ state: 'closed' }, { state: 'closed' }],
      [{ state: 'open' }, { state: 'open' }],
      [{ assignees: ['carol', 'alice'] }, { assignees: ['alice', 'carol'] }],
      [{ labels: ['b', 'c'] }, { labels: ['b', 'c'] }],
    ];
    let expected: Record<string, unknown> = { title: 'Crash', body: 'Trace', state: 'open', labels: ['a', 'b'], assignees: ['alice', 'bob'] };
    for (const [patch, change] of steps) {
      env.clock += 1_000;
      const after = await env.provider.update('1', patch);
      expected = { ...expected, ...change };
      expect(fieldsOf(after), JSON.stringify(patch)).toEqual(expected);
      expect(after.updatedAt).toEqual(new Date(env.clock));
      expect(fieldsOf(await env.provider.get('1'))).toEqual(expected);
    }
  });

  test('empty sets clear labels and assignees', async () => {
    seedIssue();
    const after = await env.provider.update('1', { labels: [], assignees: [] });
    expect(after.fields).toMatchObject({ labels: [], assignees: [] });
    expect(env.fake.store.get(REPO, 1)).toMatchObject({ labels: [], assignees: [] });
  });

  test('several fields at once: one PATCH, one label replace, then the issue read back', async () => {
    seedIssue();
    const after = await env.provider.update('1', { title: 'T', body: 'B', state: 'closed', labels: ['c'], assignees: ['dave'] });
    expect(fieldsOf(after)).toEqual({ title: 'T', body: 'B', state: 'closed', labels: ['c'], assignees: ['dave'] });
    expect(calls(env.fake)).toEqual(['PATCH /issues/1', 'GET /labels', 'POST /labels', 'PUT /issues/1/labels', 'GET /issues/1']);
  });

  test('no fields sends no edit (Gitea refuses an empty one) and answers the issue as it is', async () => {
    seedIssue();
    expect(fieldsOf(await env.provider.update('1', {}))).toMatchObject({ title: 'Crash', labels: ['a', 'b'] });
    expect(calls(env.fake)).toEqual(['GET /issues/1']);
  });

  test('a missing issue is NotFound', async () => {
    await expect(env.provider.update('7', { title: 'x' })).rejects.toBeInstanceOf(NotFound);
    await expect(env.provider.update('7', { labels: ['x'] })).rejects.toBeInstanceOf(NotFound);
  });
});

describe('delete', () => {
  test('deletes; get is then null; deleting again, or an issue that never was, is done', async () => {
    const created = await env.provider.create({ title: 'Doomed', body: '', state: 'open', labels: [], assignees: [] });
    expect(env.provider.canDelete).toBe(true);
    await env.provider.delete(created.externalId);
    expect(await env.provider.get(created.externalId)).toBeNull();
    expect(env.fake.store.wasDeleted(REPO, 1)).toBe(true);
    await env.provider.delete(created.externalId);
    await env.provider.delete('99');
  });
});
