/**
 * The three-way, field-level merge of an issue's local mirror and its remote (provider) version
 * against the last version both agreed on. Pure: it decides, the caller writes. Its promise is that no
 * change is lost silently: each one is applied to both sides, held in a recorded conflict, or named in
 * `overridden` as lost to an explicit policy rule (last writer wins, delete wins, update wins).
 */
import {
  fieldEquals,
  FIELDS,
  normaliseFields,
  SCALAR_FIELDS,
  SET_FIELDS,
  type Base,
  type IssueFields,
  type ScalarField,
  type Snapshot,
  type Version,
} from './issue-fields.ts';
import { patchTo, type Patch } from './patch.ts';
import { mergeSet } from './set-merge.ts';

export type Side = 'local' | 'remote';

/** How a connection settles the two cases where both sides cannot have their way. */
export interface MergePolicy {
  /**
   * The same scalar field changed on both sides to different values. `conflict` holds the field
   * (each side keeps its value) until a person resolves it; `last_writer_wins` takes the value of the
   * side with the later `updatedAt` (remote on an exact tie: the provider is what everyone else sees).
   */
  sameField: 'last_writer_wins' | 'conflict';
  /** One side deleted the issue while the other changed it. */
  deleteVsUpdate: 'delete_wins' | 'update_wins';
}

/** Loses nothing without a person's say: conflicts are recorded, deletes win (the issue's default). */
export const DEFAULT_MERGE_POLICY: MergePolicy = { sameField: 'conflict', deleteVsUpdate: 'delete_wins' };

export interface MergeInput {
  /** The last agreed version; `null` (or `{}`) when the issue was never synced. */
  base: Base | null;
  local: Version;
  remote: Version;
}

/** A scalar field both sides changed to different values, held until resolved. */
export type FieldConflict = { [F in ScalarField]: FieldConflictOf<F> }[ScalarField];
export interface FieldConflictOf<F extends ScalarField> {
  field: F;
  /** The value both last agreed on; `null` when they never agreed on one. */
  base: IssueFields[F] | null;
  local: IssueFields[F];
  remote: IssueFields[F];
}

/** A change a policy rule dropped, named so the sync log can say what was lost and why. */
export type Override =
  | { [F in ScalarField]: { rule: 'last_writer_wins'; field: F; winner: Side; kept: IssueFields[F]; lost: IssueFields[F] } }[ScalarField]
  /** The `winner` side's delete discarded the other side's changes. */
  | { rule: 'delete_wins'; winner: Side }
  /** The `winner` side's changes undid the other side's delete: the issue is created there again. */
  | { rule: 'update_wins'; winner: Side };

export interface MergeResult {
  toLocal: Patch;
  toRemote: Patch;
  /**
   * What each side holds once its patch is applied (sets normalised). Both exist or both are deleted,
   * and they are equal on every field except the conflicting ones, where each keeps its own value.
   */
  local: Snapshot;
  remote: Snapshot;
  conflicts: FieldConflict[];
  overridden: Override[];
  /**
   * The base to store for the next merge: the merged value of every settled field, the old base of
   * every conflicting one. `null` once the issue is deleted on both sides: nothing is left to sync.
   */
  newBase: Base | null;
}

/** Merges the two sides of one issue; see the module comment and `MergePolicy` for the rules. */
export function merge(input: MergeInput, policy: MergePolicy = DEFAULT_MERGE_POLICY): MergeResult {
  const base = input.base ?? {};
  const { local, remote } = input;
  if (local.deleted) return remote.deleted ? bothDeleted({ op: 'none' }, { op: 'none' }, []) : deleteVsUpdate(base, 'local', remote.fields, policy);
  if (remote.deleted) return deleteVsUpdate(base, 'remote', local.fields, policy);
  return mergeFields(base, local, remote, policy);
}

function bothDeleted(toLocal: Patch, toRemote: Patch, overridden: Override[]): MergeResult {
  const gone: Snapshot = { deleted: true };
  return { toLocal, toRemote, local: gone, remote: gone, conflicts: [], overridden, newBase: null };
}

/**
 * One side deleted the issue. If the other side did not change it since the base, there is nothing to
 * weigh and the delete simply propagates. If it did, the policy decides — delete wins by default,
 * because an issue someone deleted reappearing is the more surprising outcome — and the loser is named.
 */
function deleteVsUpdate(base: Base, deletedSide: Side, present: IssueFields, policy: MergePolicy): MergeResult {
  const presentSide: Side = deletedSide === 'local' ? 'remote' : 'local';
  const changed = FIELDS.some((f) => !agreesWithBase(base, f, present));
  const toDeletedSide = (patch: Patch, other: Patch) => (deletedSide === 'local' ? [patch, other] : [other, patch]) as [Patch, Patch];
  if (!changed || policy.deleteVsUpdate === 'delete_wins') {
    const [toLocal, toRemote] = toDeletedSide({ op: 'none' }, { op: 'delete' });
    return bothDeleted(toLocal, toRemote, changed ? [{ rule: 'delete_wins', winner: deletedSide }] : []);
  }
  const fields = normaliseFields(present);
  const snapshot: Snapshot = { deleted: false, fields };
  const [toLocal, toRemote] = toDeletedSide({ op: 'create', fields }, { op: 'none' });
  return {
    toLocal,
    toRemote,
    local: snapshot,
    remote: snapshot,
    conflicts: [],
    overridden: [{ rule: 'update_wins', winner: presentSide }],
    newBase: fields,
  };
}

function agreesWithBase<F extends keyof IssueFields>(base: Base, field: F, fields: IssueFields): boolean {
  const agreed = base[field] as IssueFields[F] | undefined;
  return agreed !== undefined && fieldEquals(field, agreed, fields[field]);
}

/** Both sides exist: every field is merged on its own, so edits to different fields never interact. */
function mergeFields(base: Base, local: Version & { deleted: false }, remote: Version & { deleted: false }, policy: MergePolicy): MergeResult {
  const localAfter = normaliseFields(local.fields);
  const remoteAfter = normaliseFields(remote.fields);
  const newBase: Partial<IssueFields> = {};
  const conflicts: FieldConflict[] = [];
  const overridden: Override[] = [];
  const laterWriter: Side = local.updatedAt.getTime() > remote.updatedAt.getTime() ? 'local' : 'remote';

  for (const field of SCALAR_FIELDS) {
    const outcome = mergeScalar(base, field, local.fields, remote.fields, policy, laterWriter);
    if ('conflict' in outcome) {
      // Each side keeps its own value and the base keeps the old one, so the next merge sees the
      // same two changes and reports the same conflict until a person (or an edit) settles it.
      conflicts.push(outcome.conflict);
      const agreed = base[field];
      if (agreed !== undefined) setField(newBase, field, agreed);
      continue;
    }
    setField(localAfter, field, outcome.value);
    setField(remoteAfter, field, outcome.value);
    setField(newBase, field, outcome.value);
    if (outcome.override) overridden.push(outcome.override);
  }
  for (const field of SET_FIELDS) {
    const merged = mergeSet(base[field], local.fields[field], remote.fields[field]);
    localAfter[field] = merged;
    remoteAfter[field] = merged;
    newBase[field] = merged;
  }

  const localSnapshot: Snapshot = { deleted: false, fields: localAfter };
  const remoteSnapshot: Snapshot = { deleted: false, fields: remoteAfter };
  return {
    toLocal: patchTo(local, localSnapshot),
    toRemote: patchTo(remote, remoteSnapshot),
    local: localSnapshot,
    remote: remoteSnapshot,
    conflicts,
    overridden,
    newBase,
  };
}

type ScalarOutcome<F extends ScalarField> = { value: IssueFields[F]; override?: Override } | { conflict: FieldConflict };

/**
 * One scalar field, three-way. A side "changed" the field when its value differs from the base (or
 * there is no base). Unchanged on one side → the other side's value. Changed on both to the same
 * value → that value, no conflict: they agree. Changed on both to different values → the policy.
 */
function mergeScalar<F extends ScalarField>(
  base: Base,
  field: F,
  local: IssueFields,
  remote: IssueFields,
  policy: MergePolicy,
  laterWriter: Side,
): ScalarOutcome<F> {
  const agreed = base[field] as IssueFields[F] | undefined;
  const l = local[field];
  const r = remote[field];
  if (l === r) return { value: l };
  if (l === agreed) return { value: r };
  if (r === agreed) return { value: l };
  if (policy.sameField === 'conflict') {
    return { conflict: { field, base: agreed ?? null, local: l, remote: r } as FieldConflict };
  }
  const [kept, lost] = laterWriter === 'local' ? [l, r] : [r, l];
  return { value: kept, override: { rule: 'last_writer_wins', field, winner: laterWriter, kept, lost } as Override };
}

function setField<F extends keyof IssueFields>(target: Partial<IssueFields>, field: F, value: IssueFields[F]): void {
  target[field] = value;
}
