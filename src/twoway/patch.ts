/**
 * A patch: what one side must do to reach the merged state. It carries only what differs, so a side
 * that already agrees gets `none` and nothing is written (or echoed back as a webhook). Sets are sent
 * whole and normalised: providers replace the label and assignee sets on update.
 */
import { Conflict } from '../protocol/errors.ts';
import { fieldEquals, FIELDS, normaliseFields, type IssueFields, type Snapshot } from './issue-fields.ts';

/** Fields to change on an existing issue; each present key holds the new value. */
export type FieldPatch = { [F in keyof IssueFields]?: IssueFields[F] };

export type Patch =
  | { op: 'none' }
  | { op: 'update'; fields: FieldPatch }
  /** The side has no issue (it was deleted) and must get one with these fields. */
  | { op: 'create'; fields: IssueFields }
  | { op: 'delete' };

const NONE: Patch = { op: 'none' };

/** The patch that takes `current` to `target`; `none` when they already agree (sets compared as sets). */
export function patchTo(current: Snapshot, target: Snapshot): Patch {
  if (target.deleted) return current.deleted ? NONE : { op: 'delete' };
  if (current.deleted) return { op: 'create', fields: normaliseFields(target.fields) };
  const want = normaliseFields(target.fields);
  const fields: FieldPatch = {};
  for (const field of FIELDS) setIfDifferent(fields, field, current.fields, want);
  return Object.keys(fields).length === 0 ? NONE : { op: 'update', fields };
}

function setIfDifferent<F extends keyof IssueFields>(patch: FieldPatch, field: F, current: IssueFields, target: IssueFields): void {
  if (fieldEquals(field, current[field], target[field])) return;
  patch[field] = target[field];
}

/**
 * What a side holds after a patch. A patch computed against one state may be applied to another only
 * if that state still admits it: updating a deleted issue or creating one that exists is refused with
 * `Conflict`, and the caller merges again from what the side holds now.
 */
export function applyPatch(current: Snapshot, patch: Patch): Snapshot {
  switch (patch.op) {
    case 'none':
      return current;
    case 'delete':
      return { deleted: true };
    case 'create':
      if (!current.deleted) throw new Conflict('cannot create an issue that exists', { detail: { op: patch.op } });
      return { deleted: false, fields: normaliseFields(patch.fields) };
    case 'update':
      if (current.deleted) throw new Conflict('cannot update a deleted issue', { detail: { op: patch.op, fields: Object.keys(patch.fields) } });
      return { deleted: false, fields: { ...current.fields, ...patch.fields } };
  }
}
