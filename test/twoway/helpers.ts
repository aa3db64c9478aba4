/** Small builders shared by the two-way merge tests. */
import type { IssueFields, Snapshot, Version } from '../../src/twoway/issue-fields.ts';
import type { MergePolicy } from '../../src/twoway/merge.ts';

export const T0 = new Date('2026-03-01T10:00:00Z');
export const T1 = new Date('2026-03-01T11:00:00Z');
export const T2 = new Date('2026-03-01T12:00:00Z');

export const CONFLICT: MergePolicy = { sameField: 'conflict', deleteVsUpdate: 'delete_wins' };
export const LWW: MergePolicy = { sameField: 'last_writer_wins', deleteVsUpdate: 'delete_wins' };

export const issue = (over: Partial<IssueFields> = {}): IssueFields => ({
  title: 'Crash on save',
  body: 'Steps to reproduce: save twice.',
  state: 'open',
  labels: ['bug'],
  assignees: ['ana'],
  ...over,
});

export const present = (fields: IssueFields, updatedAt: Date = T1): Version => ({ deleted: false, fields, updatedAt });
export const gone = (deletedAt: Date = T1): Version => ({ deleted: true, deletedAt });

/** The fields of a snapshot that must exist (fails loudly otherwise). */
export function fieldsOf(s: Snapshot): IssueFields {
  if (s.deleted) throw new Error('expected the issue to exist');
  return s.fields;
}
