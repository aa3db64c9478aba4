/**
 * Two-way sync of issues. So far the pure core: the field-level merge, its patches and conflict
 * resolution; the mirror, inbox and outbox that run it against real sides build on these.
 */
export {
  FIELDS,
  normaliseFields,
  normaliseSet,
  SCALAR_FIELDS,
  SET_FIELDS,
  setEquals,
  type Base,
  type FieldName,
  type IssueFields,
  type ScalarField,
  type SetField,
  type Snapshot,
  type Version,
} from './issue-fields.ts';
export {
  DEFAULT_MERGE_POLICY,
  merge,
  type FieldConflict,
  type FieldConflictOf,
  type MergeInput,
  type MergePolicy,
  type MergeResult,
  type Override,
  type Side,
} from './merge.ts';
export { applyPatch, patchTo, type FieldPatch, type Patch } from './patch.ts';
export { resolveConflict, StaleConflict, type Resolution, type ResolvedConflict } from './resolve.ts';
export { mergeSet } from './set-merge.ts';
