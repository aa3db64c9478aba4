/**
 * The opaque per-stream state: where a backfill stopped (list pass + `starting_after` of the last page done)
 * and the events cursor to continue from once it is complete. Validated on the way in, so a foreign or
 * corrupt state starts a fresh backfill instead of failing somewhere deep in the read.
 */
import { z } from 'zod';

/** Events at or after `created`, minus `seen` (ids already emitted at exactly that second). */
export const EventCursor = z.object({ created: z.number().int(), seen: z.array(z.string()) });
export type EventCursor = z.infer<typeof EventCursor>;

export const StreamCursor = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('backfill'), pass: z.number().int().nonnegative(), starting_after: z.string().nullable(), since: EventCursor }),
  z.object({ phase: z.literal('incremental'), since: EventCursor }),
]);
export type StreamCursor = z.infer<typeof StreamCursor>;

export function parseCursor(value: unknown): StreamCursor | undefined {
  const parsed = StreamCursor.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
