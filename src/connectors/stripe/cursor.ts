/**
 * The opaque per-stream state: where a backfill stopped (list pass, `created` window, `starting_after` of the
 * last page done inside it) and the events cursor to continue from once it is complete. Validated on the way
 * in, so a foreign or corrupt state starts a fresh backfill instead of failing somewhere deep in the read.
 *
 * Backfill state (`window` is [gte, lt) in unix seconds; everything of this pass at or above `lt` is done):
 *   { phase: 'backfill', pass: 0, window: { gte: 1740787200, lt: 1743465600 }, starting_after: 'cus_…' | null, since }
 * `window: null` means this pass has no window yet (its first one is found on resume).
 *
 * A state written before windows existed, `{ phase: 'backfill', pass, starting_after, since }`, is migrated,
 * not restarted: with a `starting_after` it becomes one window with no `created` bounds of its own
 * (`{ gte: 0, lt: null }`), so the old newest-first walk finishes exactly where it stopped — no page read
 * again, none skipped — and the passes after it are read in windows; without one, the pass starts windowed.
 * The `since` events cursor is kept either way.
 */
import { z } from 'zod';

/** Events at or after `created`, minus `seen` (ids already emitted at exactly that second). */
export const EventCursor = z.object({ created: z.number().int(), seen: z.array(z.string()) });
export type EventCursor = z.infer<typeof EventCursor>;

/** A `created` range, `gte` inclusive, `lt` exclusive; `lt: null` (migrated states only) = no upper bound. */
export const CreatedWindow = z.object({ gte: z.number().int(), lt: z.number().int().nullable() });
export type CreatedWindow = z.infer<typeof CreatedWindow>;

export const BackfillCursor = z.object({
  phase: z.literal('backfill'),
  pass: z.number().int().nonnegative(),
  window: CreatedWindow.nullable(),
  starting_after: z.string().nullable(),
  since: EventCursor,
});
export type BackfillCursor = z.infer<typeof BackfillCursor>;

export const IncrementalCursor = z.object({ phase: z.literal('incremental'), since: EventCursor });

export const StreamCursor = z.discriminatedUnion('phase', [BackfillCursor, IncrementalCursor]);
export type StreamCursor = z.infer<typeof StreamCursor>;

/**
 * The backfill state before windows: one newest-first walk per pass over everything (≥ backfill_start).
 * Strict: exactly the keys that code wrote, so a damaged new state (say, a bad `window`) is not taken for one.
 */
const LegacyBackfillCursor = z.object({ phase: z.literal('backfill'), pass: z.number().int().nonnegative(), starting_after: z.string().nullable(), since: EventCursor }).strict();

export function parseCursor(value: unknown): StreamCursor | undefined {
  const parsed = StreamCursor.safeParse(value);
  if (parsed.success) return parsed.data;
  const legacy = LegacyBackfillCursor.safeParse(value);
  if (!legacy.success) return undefined;
  const { pass, starting_after, since } = legacy.data;
  return { phase: 'backfill', pass, window: starting_after ? { gte: 0, lt: null } : null, starting_after, since };
}
