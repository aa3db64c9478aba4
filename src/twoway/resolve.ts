/**
 * A person's answer to a recorded conflict, turned into patches for both sides and a new base. The
 * answer is checked against what the sides hold now: if either side (or the base) moved since the
 * conflict was shown, applying it would overwrite an edit nobody has seen, so it is refused with
 * `StaleConflict` and the caller merges again and shows the conflict as it now stands.
 */
import { Conflict, ValidationError } from '../protocol/errors.ts';
import type { Base, IssueFields, ScalarField } from './issue-fields.ts';
import type { FieldConflict, MergeInput } from './merge.ts';
import type { Patch } from './patch.ts';

/** Keep one side's value, or write a new one (e.g. the two edits combined by hand). */
export type Resolution<F extends ScalarField = ScalarField> = 'local' | 'remote' | { value: IssueFields[F] };

export interface ResolvedConflict {
  value: string;
  toLocal: Patch;
  toRemote: Patch;
  /** The old base with the field settled: the next merge sees both sides agreeing on it. */
  newBase: Base;
}

/** The conflict no longer matches the sides: merge again and show it as it is now. */
export class StaleConflict extends Conflict {
  override readonly code = 'stale_conflict';
}

const STATES: readonly string[] = ['open', 'closed'] satisfies IssueFields['state'][];

/** Settles one conflicting field; the other fields are left to the next `merge`. */
export function resolveConflict(input: MergeInput, conflict: FieldConflict, choice: Resolution): ResolvedConflict {
  const { field } = conflict;
  const { local, remote } = input;
  const base = input.base ?? {};
  const current = {
    base: base[field] ?? null,
    local: local.deleted ? undefined : local.fields[field],
    remote: remote.deleted ? undefined : remote.fields[field],
  };
  if (current.base !== conflict.base || current.local !== conflict.local || current.remote !== conflict.remote) {
    throw new StaleConflict(`the conflict on ${field} changed since it was recorded`, { detail: { field } });
  }
  const value = choice === 'local' ? conflict.local : choice === 'remote' ? conflict.remote : choice.value;
  if (field === 'state' && !STATES.includes(value)) {
    throw new ValidationError(`state must be one of ${STATES.join(', ')}`, { detail: { field, value } });
  }
  const patchFor = (held: string): Patch => (held === value ? { op: 'none' } : { op: 'update', fields: { [field]: value } });
  return { value, toLocal: patchFor(conflict.local), toRemote: patchFor(conflict.remote), newBase: { ...base, [field]: value } };
}
