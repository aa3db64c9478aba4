/**
 * Resolving a recorded conflict: the chosen value reaches both sides, the base settles so the next
 * merge is clean, and an answer to a conflict that has since moved is refused rather than applied.
 */
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/protocol/errors.ts';
import { merge, type MergeInput } from '../../src/twoway/merge.ts';
import { applyPatch } from '../../src/twoway/patch.ts';
import { resolveConflict, StaleConflict, type Resolution } from '../../src/twoway/resolve.ts';
import { CONFLICT, fieldsOf, issue, present, T2 } from './helpers.ts';

const base = issue();
const input: MergeInput = { base, local: present(issue({ title: 'Mine', body: 'Mine too' })), remote: present(issue({ title: 'Theirs' })) };

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/** Resolves the title conflict, applies the patches, and merges once more. */
function resolveAndMerge(choice: Resolution) {
  const first = merge(input, CONFLICT);
  const conflict = first.conflicts[0]!;
  const resolved = resolveConflict(input, conflict, choice);
  const local = applyPatch(input.local, resolved.toLocal);
  const remote = applyPatch(input.remote, resolved.toRemote);
  const next = merge({ base: resolved.newBase, local: present(fieldsOf(local)), remote: present(fieldsOf(remote)) }, CONFLICT);
  return { resolved, next };
}

describe('resolveConflict', () => {
  test('keeping the local value pushes it to the remote, and the next merge has no conflict', () => {
    const { resolved, next } = resolveAndMerge('local');
    expect(resolved).toEqual({
      value: 'Mine',
      toLocal: { op: 'none' },
      toRemote: { op: 'update', fields: { title: 'Mine' } },
      newBase: { ...base, title: 'Mine' },
    });
    expect(next.conflicts).toEqual([]);
    // The other pending change (local's body) is left to that merge, which carries it over.
    expect(next.toRemote).toEqual({ op: 'update', fields: { body: 'Mine too' } });
    expect(next.toLocal).toEqual({ op: 'none' });
  });

  test('keeping the remote value pulls it to the local side', () => {
    const { resolved, next } = resolveAndMerge('remote');
    expect(resolved.toLocal).toEqual({ op: 'update', fields: { title: 'Theirs' } });
    expect(resolved.toRemote).toEqual({ op: 'none' });
    expect(next.conflicts).toEqual([]);
    expect(fieldsOf(next.local).title).toBe('Theirs');
  });

  test('a new value written by hand goes to both sides', () => {
    const { resolved, next } = resolveAndMerge({ value: 'Mine and theirs' });
    expect(resolved.toLocal).toEqual({ op: 'update', fields: { title: 'Mine and theirs' } });
    expect(resolved.toRemote).toEqual({ op: 'update', fields: { title: 'Mine and theirs' } });
    expect(fieldsOf(next.remote).title).toBe('Mine and theirs');
    expect(next.conflicts).toEqual([]);
  });

  test('a conflict that moved since it was recorded is refused, not applied over the newer edit', () => {
    const conflict = merge(input, CONFLICT).conflicts[0]!;
    const moved: MergeInput = { ...input, remote: present(issue({ title: 'Theirs, edited again' }), T2) };
    expect(() => resolveConflict(moved, conflict, 'local')).toThrow(StaleConflict);
    expect(() => resolveConflict({ ...input, remote: { deleted: true, deletedAt: T2 } }, conflict, 'local')).toThrow(StaleConflict);
    expect(() => resolveConflict({ ...input, base: { ...base, title: 'Other' } }, conflict, 'local')).toThrow(StaleConflict);
    const err = catchError(() => resolveConflict(moved, conflict, 'local'));
    expect(err).toMatchObject({ code: 'stale_conflict', retryable: false, detail: { field: 'title' } });
  });

  test('a state conflict can only be resolved to open or closed', () => {
    const firstSync: MergeInput = { base: null, local: present(issue({ state: 'closed' })), remote: present(issue({ state: 'open' })) };
    const conflict = merge(firstSync, CONFLICT).conflicts.find((c) => c.field === 'state')!;
    expect(conflict).toEqual({ field: 'state', base: null, local: 'closed', remote: 'open' });
    expect(() => resolveConflict(firstSync, conflict, { value: 'archived' })).toThrow(ValidationError);
    expect(resolveConflict(firstSync, conflict, 'remote').newBase).toEqual({ state: 'open' });
  });
});
