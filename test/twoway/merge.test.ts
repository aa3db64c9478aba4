/**
 * The merge rules of the two-way sync issue, one example each: different fields → both kept; one side
 * changed a field → that side; same field on both → last writer wins or a recorded conflict, by
 * policy; delete vs update → delete wins unless configured otherwise; labels and assignees merge as
 * sets; the first sync has no base.
 */
import { describe, expect, test } from 'vitest';
import { merge, type MergeInput } from '../../src/twoway/merge.ts';
import { CONFLICT, fieldsOf, gone, issue, LWW, present, T0, T1, T2 } from './helpers.ts';

const base = issue();

/** Merges, then merges again from what both sides hold afterwards: the second merge must be quiet. */
function mergeTwice(input: MergeInput, policy = CONFLICT) {
  const first = merge(input, policy);
  const after = (s: typeof first.local, v: typeof input.local) =>
    s.deleted ? gone() : present(s.fields, v.deleted ? T2 : v.updatedAt);
  const second = merge({ base: first.newBase, local: after(first.local, input.local), remote: after(first.remote, input.remote) }, policy);
  return { first, second };
}

describe('scalar fields', () => {
  test('nothing changed on either side: no patches, no conflicts', () => {
    const r = merge({ base, local: present(issue()), remote: present(issue()) });
    expect(r).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' }, conflicts: [], overridden: [] });
    expect(r.newBase).toEqual(base);
  });

  test('different fields changed on each side are both kept', () => {
    const r = merge({ base, local: present(issue({ title: 'Crash when saving twice' })), remote: present(issue({ state: 'closed' })) });
    expect(r.toLocal).toEqual({ op: 'update', fields: { state: 'closed' } });
    expect(r.toRemote).toEqual({ op: 'update', fields: { title: 'Crash when saving twice' } });
    expect(r.conflicts).toEqual([]);
    expect(fieldsOf(r.local)).toEqual(issue({ title: 'Crash when saving twice', state: 'closed' }));
    expect(r.remote).toEqual(r.local);
    expect(r.newBase).toEqual(fieldsOf(r.local));
  });

  test('a field changed on one side only takes that side’s value, whichever side it is', () => {
    const fromLocal = merge({ base, local: present(issue({ body: 'New steps.' })), remote: present(issue()) });
    expect(fromLocal.toLocal).toEqual({ op: 'none' });
    expect(fromLocal.toRemote).toEqual({ op: 'update', fields: { body: 'New steps.' } });

    const fromRemote = merge({ base, local: present(issue()), remote: present(issue({ body: 'New steps.' })) });
    expect(fromRemote.toLocal).toEqual({ op: 'update', fields: { body: 'New steps.' } });
    expect(fromRemote.toRemote).toEqual({ op: 'none' });
  });

  test('the same field changed to the same value on both sides is agreement, not a conflict', () => {
    const r = merge({ base, local: present(issue({ state: 'closed' })), remote: present(issue({ state: 'closed' })) }, CONFLICT);
    expect(r).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' }, conflicts: [], overridden: [] });
    expect(r.newBase?.state).toBe('closed');
  });

  test('the same field changed on both sides is a recorded conflict under the conflict policy; each side keeps its value', () => {
    const r = merge(
      { base, local: present(issue({ title: 'Local title', body: 'Local body' })), remote: present(issue({ title: 'Remote title', state: 'closed' })) },
      CONFLICT,
    );
    expect(r.conflicts).toEqual([{ field: 'title', base: 'Crash on save', local: 'Local title', remote: 'Remote title' }]);
    // The other fields still merge; the conflicting one is in neither patch.
    expect(r.toLocal).toEqual({ op: 'update', fields: { state: 'closed' } });
    expect(r.toRemote).toEqual({ op: 'update', fields: { body: 'Local body' } });
    expect(fieldsOf(r.local).title).toBe('Local title');
    expect(fieldsOf(r.remote).title).toBe('Remote title');
    // The base keeps the old title, so the conflict is not forgotten.
    expect(r.newBase).toEqual(issue({ body: 'Local body', state: 'closed' }));
  });

  test('a held conflict is reported again by the next merge until it is resolved', () => {
    const { first, second } = mergeTwice({ base, local: present(issue({ title: 'A' })), remote: present(issue({ title: 'B' })) });
    expect(first.conflicts).toHaveLength(1);
    expect(second.conflicts).toEqual(first.conflicts);
    expect(second).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' } });
  });

  test('a held conflict settles when one side edits the field to the other side’s value', () => {
    const first = merge({ base, local: present(issue({ title: 'A' })), remote: present(issue({ title: 'B' })) });
    const next = merge({ base: first.newBase, local: present(issue({ title: 'B' })), remote: present(issue({ title: 'B' })) });
    expect(next).toMatchObject({ conflicts: [], toLocal: { op: 'none' }, toRemote: { op: 'none' } });
    expect(next.newBase?.title).toBe('B');
  });

  test('under last_writer_wins the side that changed later wins the field, and the lost value is named', () => {
    const localLater = merge({ base, local: present(issue({ title: 'Local' }), T2), remote: present(issue({ title: 'Remote' }), T1) }, LWW);
    expect(localLater.conflicts).toEqual([]);
    expect(localLater.toRemote).toEqual({ op: 'update', fields: { title: 'Local' } });
    expect(localLater.toLocal).toEqual({ op: 'none' });
    expect(localLater.overridden).toEqual([{ rule: 'last_writer_wins', field: 'title', winner: 'local', kept: 'Local', lost: 'Remote' }]);
    expect(localLater.newBase?.title).toBe('Local');

    const remoteLater = merge({ base, local: present(issue({ title: 'Local' }), T1), remote: present(issue({ title: 'Remote' }), T2) }, LWW);
    expect(remoteLater.toLocal).toEqual({ op: 'update', fields: { title: 'Remote' } });
    expect(remoteLater.toRemote).toEqual({ op: 'none' });
    expect(remoteLater.overridden).toEqual([{ rule: 'last_writer_wins', field: 'title', winner: 'remote', kept: 'Remote', lost: 'Local' }]);
  });

  test('under last_writer_wins an exact tie goes to the remote side', () => {
    const r = merge({ base, local: present(issue({ state: 'closed', title: 'L' }), T1), remote: present(issue({ title: 'R' }), T1) }, LWW);
    expect(fieldsOf(r.local).title).toBe('R');
    expect(r.toLocal).toEqual({ op: 'update', fields: { title: 'R' } });
    expect(r.toRemote).toEqual({ op: 'update', fields: { state: 'closed' } });
  });

  test('last_writer_wins decides field by field: the earlier writer keeps its changes to other fields', () => {
    const r = merge(
      { base, local: present(issue({ title: 'Local' }), T2), remote: present(issue({ title: 'Remote', body: 'Remote body' }), T1) },
      LWW,
    );
    expect(fieldsOf(r.local)).toEqual(issue({ title: 'Local', body: 'Remote body' }));
    expect(r.remote).toEqual(r.local);
  });
});

describe('delete vs update', () => {
  test('a delete on one side with no change on the other deletes both, with nothing overridden', () => {
    for (const policy of [CONFLICT, { ...CONFLICT, deleteVsUpdate: 'update_wins' } as const]) {
      const r = merge({ base, local: gone(), remote: present(issue()) }, policy);
      expect(r).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'delete' }, overridden: [], newBase: null });
      expect(r.local).toEqual({ deleted: true });
    }
  });

  test('delete wins over a concurrent update by default, and the discarded update is named', () => {
    const localDeleted = merge({ base, local: gone(), remote: present(issue({ title: 'Edited' })) });
    expect(localDeleted).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'delete' }, conflicts: [], newBase: null });
    expect(localDeleted.overridden).toEqual([{ rule: 'delete_wins', winner: 'local' }]);

    const remoteDeleted = merge({ base, local: present(issue({ labels: ['bug', 'p1'] })), remote: gone() });
    expect(remoteDeleted).toMatchObject({ toLocal: { op: 'delete' }, toRemote: { op: 'none' }, newBase: null });
    expect(remoteDeleted.overridden).toEqual([{ rule: 'delete_wins', winner: 'remote' }]);
    expect(remoteDeleted.remote).toEqual({ deleted: true });
  });

  test('with update_wins the updated version is created again on the side that deleted it', () => {
    const policy = { ...CONFLICT, deleteVsUpdate: 'update_wins' } as const;
    const edited = issue({ title: 'Edited', labels: ['p1', 'bug'] });
    const r = merge({ base, local: gone(), remote: present(edited) }, policy);
    expect(r.toLocal).toEqual({ op: 'create', fields: issue({ title: 'Edited', labels: ['bug', 'p1'] }) });
    expect(r.toRemote).toEqual({ op: 'none' });
    expect(r.overridden).toEqual([{ rule: 'update_wins', winner: 'remote' }]);
    expect(r.newBase).toEqual(fieldsOf(r.local));

    const other = merge({ base, local: present(edited), remote: gone() }, policy);
    expect(other.toRemote).toMatchObject({ op: 'create' });
    expect(other.toLocal).toEqual({ op: 'none' });
  });

  test('deleted on both sides: nothing to do and nothing left to sync', () => {
    const r = merge({ base, local: gone(), remote: gone() });
    expect(r).toEqual({
      toLocal: { op: 'none' },
      toRemote: { op: 'none' },
      local: { deleted: true },
      remote: { deleted: true },
      conflicts: [],
      overridden: [],
      newBase: null,
    });
  });
});

describe('labels and assignees merge as sets', () => {
  const labels = (r: ReturnType<typeof merge>) => [fieldsOf(r.local).labels, fieldsOf(r.remote).labels];

  test('labels added on both sides are all kept', () => {
    const r = merge({ base, local: present(issue({ labels: ['bug', 'p1'] })), remote: present(issue({ labels: ['bug', 'ui'] })) });
    expect(labels(r)).toEqual([['bug', 'p1', 'ui'], ['bug', 'p1', 'ui']]);
    expect(r.toLocal).toEqual({ op: 'update', fields: { labels: ['bug', 'p1', 'ui'] } });
    expect(r.toRemote).toEqual({ op: 'update', fields: { labels: ['bug', 'p1', 'ui'] } });
    expect(r.conflicts).toEqual([]);
  });

  test('a label removed on one side while the other adds a different one: both changes are kept', () => {
    const r = merge({ base, local: present(issue({ labels: [] })), remote: present(issue({ labels: ['bug', 'ui'] })) });
    expect(labels(r)).toEqual([['ui'], ['ui']]);
  });

  test('the same label added on both sides appears once', () => {
    const r = merge({ base, local: present(issue({ labels: ['bug', 'p1'] })), remote: present(issue({ labels: ['p1', 'bug', 'p1'] })) });
    expect(labels(r)).toEqual([['bug', 'p1'], ['bug', 'p1']]);
    expect(r).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' } });
  });

  test('a label removed on one side and removed then re-added on the other is removed: the merge sees states, not operations', () => {
    // Remote's remove-and-re-add leaves it where the base was, so only local's removal is a change.
    const r = merge({ base, local: present(issue({ labels: [] })), remote: present(issue({ labels: ['bug'] })) });
    expect(labels(r)).toEqual([[], []]);
    expect(r.toRemote).toEqual({ op: 'update', fields: { labels: [] } });
  });

  test('a label added on one side and added then removed on the other is added', () => {
    const r = merge({ base, local: present(issue({ labels: ['bug', 'p1'] })), remote: present(issue({ labels: ['bug'] })) });
    expect(labels(r)).toEqual([['bug', 'p1'], ['bug', 'p1']]);
  });

  test('the same set concurrently changed on both sides never conflicts, under either policy', () => {
    for (const policy of [CONFLICT, LWW]) {
      const r = merge({ base, local: present(issue({ labels: ['p1'] }), T2), remote: present(issue({ labels: ['bug', 'ui'] }), T1) }, policy);
      expect(r.conflicts).toEqual([]);
      expect(r.overridden).toEqual([]);
      expect(labels(r)).toEqual([['p1', 'ui'], ['p1', 'ui']]);
    }
  });

  test('assignees merge the same way', () => {
    const r = merge({
      base: issue({ assignees: ['ana', 'bo'] }),
      local: present(issue({ assignees: ['ana', 'cy'] })),
      remote: present(issue({ assignees: ['bo', 'ana', 'dee'] })),
    });
    expect(fieldsOf(r.local).assignees).toEqual(['ana', 'cy', 'dee']);
    expect(r.remote).toEqual(r.local);
  });

  test('order and duplicates carry no meaning: a reordered set is no change', () => {
    const b = issue({ labels: ['a', 'b', 'c'] });
    const r = merge({ base: b, local: present(issue({ labels: ['c', 'b', 'a', 'a'] })), remote: present(issue({ labels: ['b', 'c', 'a'] })) });
    expect(r).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' } });
    expect(r.newBase?.labels).toEqual(['a', 'b', 'c']);
  });
});

describe('the first sync, with no base', () => {
  test('equal sides need no patches and become the base', () => {
    const r = merge({ base: null, local: present(issue({ labels: ['ui', 'bug'] })), remote: present(issue({ labels: ['bug', 'ui'] })) });
    expect(r).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' }, conflicts: [] });
    expect(r.newBase).toEqual(issue({ labels: ['bug', 'ui'] }));
  });

  test('differing scalars are changes on both sides: a conflict with no base value; sets are united', () => {
    const r = merge(
      { base: null, local: present(issue({ title: 'Mine', labels: ['bug'] })), remote: present(issue({ title: 'Theirs', labels: ['ui'] })) },
      CONFLICT,
    );
    expect(r.conflicts).toEqual([{ field: 'title', base: null, local: 'Mine', remote: 'Theirs' }]);
    expect(fieldsOf(r.local).labels).toEqual(['bug', 'ui']);
    // No agreed title yet: the base leaves it out, so the next merge reports the conflict again.
    expect(r.newBase).not.toHaveProperty('title');
    const again = merge({ base: r.newBase, local: present(fieldsOf(r.local)), remote: present(fieldsOf(r.remote)) }, CONFLICT);
    expect(again.conflicts).toEqual(r.conflicts);
    expect(again).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' } });
  });

  test('under last_writer_wins the later side’s values win on the first sync', () => {
    const r = merge({ base: null, local: present(issue({ title: 'Mine' }), T0), remote: present(issue({ title: 'Theirs' }), T1) }, LWW);
    expect(fieldsOf(r.local).title).toBe('Theirs');
    expect(r.toLocal).toEqual({ op: 'update', fields: { title: 'Theirs' } });
  });

  test('a side deleted before the first sync meets the other side as delete vs update', () => {
    expect(merge({ base: null, local: gone(), remote: present(issue()) }).toRemote).toEqual({ op: 'delete' });
    const restored = merge({ base: null, local: gone(), remote: present(issue()) }, { ...CONFLICT, deleteVsUpdate: 'update_wins' });
    expect(restored.toLocal).toEqual({ op: 'create', fields: issue() });
  });
});
