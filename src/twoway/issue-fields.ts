/**
 * The shape of an issue as two-way sync sees it: three scalar fields compared by value, two sets
 * compared as sets, and whether the issue exists at all. Sets are normalised (deduplicated, sorted)
 * here and only here, so every other module compares them one way and emits them in one order.
 */

/** The scalar fields: each holds one value, so concurrent edits to one of them can conflict. */
export const SCALAR_FIELDS = ['title', 'body', 'state'] as const;
/** The set fields: merged element by element, so they never conflict. */
export const SET_FIELDS = ['labels', 'assignees'] as const;
export const FIELDS = [...SCALAR_FIELDS, ...SET_FIELDS] as const;

export type ScalarField = (typeof SCALAR_FIELDS)[number];
export type SetField = (typeof SET_FIELDS)[number];
export type FieldName = ScalarField | SetField;

import type { IssueFields } from '../protocol/issues.ts';

/** The fields two-way sync keeps equal on both sides; defined in the protocol, where providers map payloads to it. */
export type { IssueFields };

/** What one side holds now: the issue's fields, or nothing because it was deleted. */
export type Snapshot = { deleted: false; fields: IssueFields } | { deleted: true };

/**
 * One side's current version, with the time it last changed (the provider's `updated_at`, or the
 * mirror's). The timestamp is whole-issue: providers do not say when each field changed. `deletedAt`
 * is for the sync log; delete vs update is settled by policy, not by which came later.
 */
export type Version = { deleted: false; fields: IssueFields; updatedAt: Date } | { deleted: true; deletedAt: Date };

/**
 * The last version both sides agreed on, field by field. A field is absent when the sides never agreed
 * on it: before the first sync, or while a conflict on it is unresolved (the merge keeps the old base
 * for such a field so the conflict is seen again, not forgotten, on the next merge).
 */
export type Base = { readonly [F in FieldName]?: IssueFields[F] };

export const isSetField = (field: FieldName): field is SetField => field === 'labels' || field === 'assignees';

/** The one canonical form of a set: each element once, in code-unit order. */
export function normaliseSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** Order-insensitive, duplicate-insensitive set equality. */
export function setEquals(a: readonly string[], b: readonly string[]): boolean {
  const x = normaliseSet(a);
  const y = normaliseSet(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Equality the way the merge means it: by value for scalars, as sets for sets. */
export function fieldEquals<F extends FieldName>(field: F, a: IssueFields[F], b: IssueFields[F]): boolean {
  return isSetField(field) ? setEquals(a as readonly string[], b as readonly string[]) : a === b;
}

/** The fields with their sets in canonical form. */
export function normaliseFields(fields: IssueFields): IssueFields {
  return { ...fields, labels: normaliseSet(fields.labels), assignees: normaliseSet(fields.assignees) };
}
