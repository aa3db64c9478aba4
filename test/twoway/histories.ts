/**
 * Random concurrent edit histories for the merge's property tests. Values come from small pools so
 * that sides often collide: the same field changed to the same value, a label added on both sides,
 * an edit that puts a field back to its base value.
 */
import fc from 'fast-check';
import { FIELDS, normaliseFields, type Base, type IssueFields, type ScalarField, type SetField, type Snapshot, type Version } from '../../src/twoway/issue-fields.ts';
import type { MergePolicy } from '../../src/twoway/merge.ts';
import type { Resolution } from '../../src/twoway/resolve.ts';

export const TITLES = ['Crash on save', 'Crash when saving', 'Saving crashes', 'Data loss on save'];
export const BODIES = ['', 'Steps: save twice.', 'Seen on 1.2.', 'Fixed in main?'];
export const STATES = ['open', 'closed'] as const;
export const LABELS = ['bug', 'ui', 'p1', 'p2', 'needs-info'];
export const PEOPLE = ['ana', 'bo', 'cy'];

export type Edit =
  | { kind: 'set'; field: 'title' | 'body'; value: string }
  | { kind: 'set'; field: 'state'; value: 'open' | 'closed' }
  | { kind: 'add' | 'remove'; field: SetField; value: string }
  | { kind: 'delete' };

const subset = (pool: string[]) => fc.subarray(pool);

export const fieldsArb: fc.Arbitrary<IssueFields> = fc.record({
  title: fc.constantFrom(...TITLES),
  body: fc.constantFrom(...BODIES),
  state: fc.constantFrom(...STATES),
  labels: subset(LABELS),
  assignees: subset(PEOPLE),
});

export const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), field: fc.constant('title' as const), value: fc.constantFrom(...TITLES) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), field: fc.constant('body' as const), value: fc.constantFrom(...BODIES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), field: fc.constant('state' as const), value: fc.constantFrom(...STATES) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('add' as const, 'remove' as const), field: fc.constant('labels' as const), value: fc.constantFrom(...LABELS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('add' as const, 'remove' as const), field: fc.constant('assignees' as const), value: fc.constantFrom(...PEOPLE) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
);

export const historyArb = fc.array(editArb, { maxLength: 6 });

export const policyArb: fc.Arbitrary<MergePolicy> = fc.record({
  sameField: fc.constantFrom('last_writer_wins' as const, 'conflict' as const),
  deleteVsUpdate: fc.constantFrom('delete_wins' as const, 'update_wins' as const),
});

/** The base as stored: usually complete, sometimes absent (never synced) or missing fields (never agreed). */
export const baseShapeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<'full'>('full') },
  { weight: 2, arbitrary: fc.constant<'none'>('none') },
  { weight: 2, arbitrary: fc.subarray([...FIELDS], { minLength: 1 }).map((missing) => ({ missing })) },
);

export function shapeBase(fields: IssueFields, shape: 'full' | 'none' | { missing: string[] }): Base | null {
  if (shape === 'full') return fields;
  if (shape === 'none') return null;
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !shape.missing.includes(k))) as Base;
}

/** Plays a side's edits over what it holds; a deleted issue takes no further edits. */
export function play(start: Snapshot, history: readonly Edit[]): Snapshot {
  let s = start;
  for (const edit of history) {
    if (s.deleted) break;
    const f: IssueFields = { ...s.fields };
    switch (edit.kind) {
      case 'delete':
        s = { deleted: true };
        continue;
      case 'set':
        (f as Record<ScalarField, string>)[edit.field] = edit.value;
        break;
      case 'add':
        f[edit.field] = [...f[edit.field], edit.value];
        break;
      case 'remove':
        f[edit.field] = f[edit.field].filter((v) => v !== edit.value);
        break;
    }
    s = { deleted: false, fields: f };
  }
  return s;
}

export const versionOf = (s: Snapshot, at: number): Version =>
  s.deleted ? { deleted: true, deletedAt: new Date(at * 1000) } : { deleted: false, fields: s.fields, updatedAt: new Date(at * 1000) };

/** A snapshot with canonical sets and nothing else (no timestamps). */
export const normalised = (s: Snapshot): Snapshot => (s.deleted ? { deleted: true } : { deleted: false, fields: normaliseFields(s.fields) });

/** A person's answer to a conflict, generated before the conflict is known. */
export const choiceArb = fc.record({ pick: fc.constantFrom('local' as const, 'remote' as const, 'value' as const), n: fc.nat(9) });

export function toResolution(field: ScalarField, choice: { pick: 'local' | 'remote' | 'value'; n: number }): Resolution {
  if (choice.pick !== 'value') return choice.pick;
  return { value: field === 'state' ? STATES[choice.n % 2]! : `resolved by hand ${choice.n}` };
}
