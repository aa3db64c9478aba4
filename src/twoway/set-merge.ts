/**
 * Three-way merge of a set (labels, assignees), element by element. Adding and removing are
 * independent per element, so both sides' intents can always be honoured and a set never conflicts:
 * an element is in the result when either side added it, or when the base had it and neither side
 * removed it.
 */
import { normaliseSet } from './issue-fields.ts';

/**
 * Merges two concurrent versions of a set against the version both last agreed on.
 *
 * - Added on either side (absent from the base) → present: an addition is never lost.
 * - Removed on either side and not added back by the other → absent: a removal is never lost either.
 * - With no base (`undefined`: never synced) nothing can have been removed, so the result is the union.
 *
 * The merge sees states, not operations: a side that removed an element and added it back has not
 * changed it, so the other side's removal of that element wins.
 */
export function mergeSet(base: readonly string[] | undefined, local: readonly string[], remote: readonly string[]): string[] {
  const inBase = new Set(base ?? []);
  const inLocal = new Set(local);
  const inRemote = new Set(remote);
  const kept = [...inBase].filter((e) => inLocal.has(e) && inRemote.has(e));
  const added = [...inLocal, ...inRemote].filter((e) => !inBase.has(e));
  return normaliseSet([...kept, ...added]);
}
