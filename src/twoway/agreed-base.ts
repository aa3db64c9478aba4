/**
 * The base to store after a merge has been (partly) carried out. The merge's own `newBase` assumes both
 * patches are applied at once; in the engine they are not — the mirror changes in the transaction that
 * merged, the provider only when the outbox push succeeds. Storing the merged value as base before the
 * provider holds it would make the next merge read the provider's old value as a fresh remote edit and
 * undo the local one. So, field by field:
 *  - both sides hold the same value → that value is agreed;
 *  - the field is in conflict → the old base stays, so the conflict is seen again until resolved;
 *  - the mirror holds the decided value and the provider does not yet → the provider's value, so the
 *    next merge sees the mirror's value as the local change and pushes it;
 *  - the provider holds the decided value and the mirror no longer does (a push delivered it while a
 *    local edit moved the field on) → the decided value: both sides held it when the push read the
 *    mirror, so the newer local edit is a local change against it and is pushed next, not mistaken for
 *    a concurrent edit (a false conflict) or undone by the provider's "change";
 *  - neither holds the decided value → the old base, so the next merge weighs both against it.
 */
import { fieldEquals, FIELDS, type Base, type FieldName, type IssueFields, type Snapshot } from './issue-fields.ts';

export function agreedBase(
  oldBase: Base | null,
  sides: { local: Snapshot; remote: Snapshot; decided: Snapshot },
  conflicted: ReadonlySet<FieldName> = new Set(),
): Base | null {
  const { local, remote, decided } = sides;
  // Deleted on either side: nothing is agreed field by field. A deletion on both sides ends the sync.
  if (local.deleted || remote.deleted) return local.deleted && remote.deleted ? null : (oldBase ?? null);
  const next: { -readonly [F in FieldName]?: IssueFields[F] } = {};
  for (const field of FIELDS) {
    const keepOld = () => {
      const kept = oldBase?.[field];
      if (kept !== undefined) setField(next, field, kept as IssueFields[typeof field]);
    };
    if (conflicted.has(field)) keepOld();
    else if (fieldEquals(field, local.fields[field], remote.fields[field])) setField(next, field, local.fields[field]);
    else if (!decided.deleted && fieldEquals(field, local.fields[field], decided.fields[field])) setField(next, field, remote.fields[field]);
    else if (!decided.deleted && fieldEquals(field, remote.fields[field], decided.fields[field])) setField(next, field, remote.fields[field]);
    else keepOld();
  }
  return next;
}

function setField<F extends FieldName>(target: { [K in FieldName]?: IssueFields[K] }, field: F, value: IssueFields[F]): void {
  target[field] = value;
}
