/** Patches carry only differences, and applying one to a side that no longer admits it is refused. */
import { describe, expect, test } from 'vitest';
import { Conflict } from '../../src/protocol/errors.ts';
import { applyPatch, patchTo } from '../../src/twoway/patch.ts';
import { issue } from './helpers.ts';

const exists = (over = {}) => ({ deleted: false as const, fields: issue(over) });

describe('patches', () => {
  test('a patch holds only the fields that differ, with sets compared as sets and sent normalised', () => {
    expect(patchTo(exists({ labels: ['b', 'a'] }), exists({ labels: ['a', 'b', 'a'] }))).toEqual({ op: 'none' });
    expect(patchTo(exists(), exists({ title: 'T', labels: ['z', 'a'] }))).toEqual({ op: 'update', fields: { title: 'T', labels: ['a', 'z'] } });
  });

  test('between existing and deleted, a patch creates or deletes', () => {
    expect(patchTo(exists(), { deleted: true })).toEqual({ op: 'delete' });
    expect(patchTo({ deleted: true }, exists())).toEqual({ op: 'create', fields: issue() });
    expect(patchTo({ deleted: true }, { deleted: true })).toEqual({ op: 'none' });
  });

  test('applying a patch reaches its target', () => {
    const from = exists();
    const to = exists({ state: 'closed', assignees: [] });
    expect(applyPatch(from, patchTo(from, to))).toEqual(to);
  });

  test('updating a deleted issue or creating an existing one is a conflict', () => {
    expect(() => applyPatch({ deleted: true }, { op: 'update', fields: { title: 'x' } })).toThrow(Conflict);
    expect(() => applyPatch(exists(), { op: 'create', fields: issue() })).toThrow(Conflict);
  });
});
