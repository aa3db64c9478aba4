/**
 * The merge's promises, checked over random concurrent edit histories (fast-check): both sides
 * converge; no change is lost silently (it is applied, held in a recorded conflict, or named as lost
 * to a policy rule); conflicts arise exactly when the same scalar field changed on both sides to
 * different values; merging again is quiet; resolving every conflict converges fully.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  fieldEquals,
  FIELDS,
  normaliseFields,
  SCALAR_FIELDS,
  SET_FIELDS,
  type Base,
  type FieldName,
  type IssueFields,
  type ScalarField,
  type Snapshot,
} from '../../src/twoway/issue-fields.ts';
import { merge, type MergeInput, type MergePolicy, type MergeResult, type Override } from '../../src/twoway/merge.ts';
import { applyPatch } from '../../src/twoway/patch.ts';
import { resolveConflict } from '../../src/twoway/resolve.ts';
import {
  baseShapeArb,
  choiceArb,
  fieldsArb,
  historyArb,
  normalised,
  play,
  policyArb,
  shapeBase,
  toResolution,
  versionOf,
} from './histories.ts';

const RUNS = 1000;

/** One round: a base, both sides' concurrent histories from it, when each side last wrote, a policy. */
const scenarioArb = fc.record({
  start: fieldsArb,
  baseShape: baseShapeArb,
  localEdits: historyArb,
  remoteEdits: historyArb,
  localAt: fc.integer({ min: 0, max: 4 }),
  remoteAt: fc.integer({ min: 0, max: 4 }),
  policy: policyArb,
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function run(sc: Scenario) {
  const start: Snapshot = { deleted: false, fields: sc.start };
  const input: MergeInput = {
    base: shapeBase(sc.start, sc.baseShape),
    local: versionOf(play(start, sc.localEdits), sc.localAt),
    remote: versionOf(play(start, sc.remoteEdits), sc.remoteAt),
  };
  return { input, policy: sc.policy, result: merge(input, sc.policy) };
}

// ---- What "changed" means: the side's value differs from the agreed one, or none was agreed. ----

const agreed = <F extends FieldName>(base: Base | null, f: F) => base?.[f] as IssueFields[F] | undefined;
const changed = (base: Base | null, f: FieldName, fields: IssueFields) => {
  const b = agreed(base, f);
  return b === undefined || !fieldEquals(f, b, fields[f]);
};
const present = (s: Snapshot) => (s.deleted ? undefined : s.fields);
const laterWriter = (input: MergeInput) =>
  !input.local.deleted && !input.remote.deleted && input.local.updatedAt > input.remote.updatedAt ? 'local' : 'remote';

/** The scalar fields both sides changed, to different values. */
function clashingFields(input: MergeInput): ScalarField[] {
  const l = present(input.local);
  const r = present(input.remote);
  if (!l || !r) return [];
  return SCALAR_FIELDS.filter((f) => changed(input.base, f, l) && changed(input.base, f, r) && l[f] !== r[f]);
}

// ---- The checks, shared by the single-round and the multi-round properties. ----

/** (1) After the patches both sides agree on existence and on every field not in conflict. */
function checkConvergence(input: MergeInput, result: MergeResult) {
  const local = normalised(applyPatch(input.local, result.toLocal));
  const remote = normalised(applyPatch(input.remote, result.toRemote));
  expect(local).toEqual(result.local);
  expect(remote).toEqual(result.remote);
  expect(local.deleted).toBe(remote.deleted);
  if (local.deleted || remote.deleted) return;
  const held = new Set(result.conflicts.map((c) => c.field));
  for (const f of FIELDS) {
    if (held.has(f as ScalarField)) {
      // A held field keeps each side's own value: neither is overwritten while it waits.
      expect(local.fields[f]).toEqual(present(input.local)![f]);
      expect(remote.fields[f]).toEqual(present(input.remote)![f]);
    } else {
      expect(local.fields[f]).toEqual(remote.fields[f]);
    }
  }
}

/** (2) Every change ends on both sides, or is held in a conflict, or is named as lost to a policy rule. */
function checkNoSilentLoss(input: MergeInput, policy: MergePolicy, result: MergeResult) {
  const l = present(input.local);
  const r = present(input.remote);
  if (!l && !r) {
    expect(result).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' }, overridden: [], newBase: null });
    return;
  }
  if (!l || !r) {
    const [deletedSide, survivor] = l ? (['remote', l] as const) : (['local', r!] as const);
    const survivorChanged = FIELDS.some((f) => changed(input.base, f, survivor));
    if (!survivorChanged) {
      expect(result.local.deleted && result.remote.deleted).toBe(true);
      expect(result.overridden).toEqual([]);
    } else if (policy.deleteVsUpdate === 'delete_wins') {
      expect(result.local.deleted && result.remote.deleted).toBe(true);
      expect(result.overridden).toEqual([{ rule: 'delete_wins', winner: deletedSide }]);
    } else {
      expect(result.local).toEqual({ deleted: false, fields: normaliseFields(survivor) });
      expect(result.remote).toEqual(result.local);
      expect(result.overridden).toEqual([{ rule: 'update_wins', winner: deletedSide === 'local' ? 'remote' : 'local' }]);
    }
    return;
  }

  const endL = present(result.local)!;
  const endR = present(result.remote)!;
  const expectedOverrides: Override[] = [];
  for (const f of SCALAR_FIELDS) {
    const lc = changed(input.base, f, l);
    const rc = changed(input.base, f, r);
    if (l[f] === r[f] || (lc && !rc) || (!lc && !rc)) {
      expect([endL[f], endR[f]]).toEqual([l[f], l[f]]);
    } else if (rc && !lc) {
      expect([endL[f], endR[f]]).toEqual([r[f], r[f]]);
    } else if (policy.sameField === 'conflict') {
      expect(result.conflicts).toContainEqual({ field: f, base: agreed(input.base, f) ?? null, local: l[f], remote: r[f] });
    } else {
      const winner = laterWriter(input);
      const [kept, lost] = winner === 'local' ? [l[f], r[f]] : [r[f], l[f]];
      expect([endL[f], endR[f]]).toEqual([kept, kept]);
      expectedOverrides.push({ rule: 'last_writer_wins', field: f, winner, kept, lost } as Override);
    }
  }
  expect(result.overridden).toEqual(expectedOverrides);

  for (const f of SET_FIELDS) {
    const inBase = new Set(agreed(input.base, f) ?? []);
    for (const e of new Set([...inBase, ...l[f], ...r[f]])) {
      const added = (!inBase.has(e) && l[f].includes(e)) || (!inBase.has(e) && r[f].includes(e));
      const removed = (inBase.has(e) && !l[f].includes(e)) || (inBase.has(e) && !r[f].includes(e));
      // Added somewhere → present; removed somewhere (and, being in the base, added nowhere) → absent.
      const want = added || !removed;
      expect({ element: e, field: f, local: endL[f].includes(e), remote: endR[f].includes(e) }).toEqual({
        element: e,
        field: f,
        local: want,
        remote: want,
      });
    }
  }
}

/** (3) Conflicts arise exactly when both sides changed the same scalar field to different values. */
function checkConflictsExactly(input: MergeInput, policy: MergePolicy, result: MergeResult) {
  const expected = policy.sameField === 'conflict' ? clashingFields(input) : [];
  expect(result.conflicts.map((c) => c.field)).toEqual(expected);
}

/** What each side holds after the patches, as the next merge's input (timestamps unchanged). */
function nextInput(input: MergeInput, result: MergeResult, localAt: number, remoteAt: number): MergeInput {
  return { base: result.newBase, local: versionOf(result.local, localAt), remote: versionOf(result.remote, remoteAt) };
}

/** Settles every conflict with the given answers, one at a time, applying each resolution's patches. */
function resolveAll(input: MergeInput, result: MergeResult, choices: { pick: 'local' | 'remote' | 'value'; n: number }[]): MergeInput {
  let current = input;
  result.conflicts.forEach((conflict, i) => {
    const resolved = resolveConflict(current, conflict, toResolution(conflict.field, choices[i % choices.length]!));
    current = {
      base: resolved.newBase,
      local: { ...(current.local as MergeInput['local'] & { deleted: false }), fields: present(applyPatch(current.local, resolved.toLocal))! },
      remote: { ...(current.remote as MergeInput['remote'] & { deleted: false }), fields: present(applyPatch(current.remote, resolved.toRemote))! },
    };
  });
  return current;
}

describe('merge properties over random concurrent edit histories', () => {
  test('(1) both sides converge on existence and on every field not in conflict', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const { input, result } = run(sc);
        checkConvergence(input, result);
      }),
      { numRuns: RUNS },
    );
  });

  test('(2) no change is lost silently: it is applied, held in a conflict, or named as overridden by policy', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const { input, policy, result } = run(sc);
        checkNoSilentLoss(input, policy, result);
      }),
      { numRuns: RUNS },
    );
  });

  test('(3) conflicts arise exactly when the same scalar field changed on both sides to different values', () => {
    const seen = { conflicts: 0, sameValueBothSides: 0, deletes: 0, runs: 0 };
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const { input, policy, result } = run(sc);
        checkConflictsExactly(input, policy, result);
        seen.runs++;
        if (result.conflicts.length > 0) seen.conflicts++;
        if (input.local.deleted || input.remote.deleted) seen.deletes++;
        const l = present(input.local);
        const r = present(input.remote);
        if (l && r && SCALAR_FIELDS.some((f) => changed(input.base, f, l) && changed(input.base, f, r) && l[f] === r[f])) seen.sameValueBothSides++;
      }),
      { numRuns: RUNS },
    );
    // The generator must actually reach the interesting cases, or the properties above prove little.
    // Over 1,000 random histories about 11 % hold a conflict (±1 %, seed to seed), a quarter the same
    // value on both sides, a third a delete: the bounds sit far enough below not to fail by chance.
    expect(seen.conflicts / seen.runs).toBeGreaterThan(0.05);
    expect(seen.sameValueBothSides / seen.runs).toBeGreaterThan(0.05);
    expect(seen.deletes / seen.runs).toBeGreaterThan(0.05);
  });

  test('(4) merging again from the converged sides is quiet and reports the same conflicts', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const { input, policy, result } = run(sc);
        const again = merge(nextInput(input, result, sc.localAt, sc.remoteAt), policy);
        expect(again.toLocal).toEqual({ op: 'none' });
        expect(again.toRemote).toEqual({ op: 'none' });
        expect(again.conflicts).toEqual(result.conflicts);
        expect(again.overridden).toEqual([]);
        expect(again.newBase).toEqual(result.newBase);
      }),
      { numRuns: RUNS },
    );
  });

  test('(5) resolving every conflict and merging again converges fully', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(choiceArb, { minLength: 1, maxLength: 3 }), (sc, choices) => {
        const { input, policy, result } = run(sc);
        const settled = resolveAll(nextInput(input, result, sc.localAt, sc.remoteAt), result, choices);
        const final = merge(settled, policy);
        expect(final.conflicts).toEqual([]);
        expect(final.toLocal).toEqual({ op: 'none' });
        expect(final.toRemote).toEqual({ op: 'none' });
        expect(final.local).toEqual(final.remote);
        expect(final.local).toEqual(normalised(settled.local));
      }),
      { numRuns: RUNS },
    );
  });

  test('over several rounds of edits and merges every round keeps the promises, and held conflicts wait for a resolution', () => {
    const roundArb = fc.record({ localEdits: historyArb, remoteEdits: historyArb, localAt: fc.nat(4), remoteAt: fc.nat(4) });
    fc.assert(
      fc.property(fieldsArb, policyArb, fc.array(roundArb, { minLength: 2, maxLength: 5 }), fc.array(choiceArb, { minLength: 1, maxLength: 3 }), (start, policy, rounds, choices) => {
        let state: MergeInput = { base: start, local: versionOf({ deleted: false, fields: start }, 0), remote: versionOf({ deleted: false, fields: start }, 0) };
        let last: MergeResult | undefined;
        rounds.forEach((round, i) => {
          // Time moves on: each round's writes are later than the previous round's.
          const local = play(state.local, round.localEdits);
          const remote = play(state.remote, round.remoteEdits);
          const input: MergeInput = {
            base: state.base,
            local: round.localEdits.length > 0 ? versionOf(local, 10 * (i + 1) + round.localAt) : state.local,
            remote: round.remoteEdits.length > 0 ? versionOf(remote, 10 * (i + 1) + round.remoteAt) : state.remote,
          };
          const result = merge(input, policy);
          checkConvergence(input, result);
          checkNoSilentLoss(input, policy, result);
          checkConflictsExactly(input, policy, result);
          if (last && round.localEdits.length === 0 && round.remoteEdits.length === 0) expect(result.conflicts).toEqual(last.conflicts);
          const at = (v: MergeInput['local']) => (v.deleted ? v.deletedAt : v.updatedAt).getTime() / 1000;
          state = nextInput(input, result, at(input.local), at(input.remote));
          last = result;
        });
        const final = merge(resolveAll(state, last!, choices), policy);
        expect(final.conflicts).toEqual([]);
        expect(final.local).toEqual(final.remote);
        expect(final).toMatchObject({ toLocal: { op: 'none' }, toRemote: { op: 'none' } });
      }),
      { numRuns: 300 },
    );
  });
});
