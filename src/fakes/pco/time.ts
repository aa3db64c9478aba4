/**
 * PCO's date-times (reference §4, §6 and the "Dates & Times" docs page): rendered `YYYY-MM-DDTHH:MM:SSZ`, always
 * UTC, whole seconds. In `where[...]` a full timestamp is an instant; a date-only value is a day in the
 * organisation's time zone, turned into a span (`2018-02-22` in Pacific time = 08:00Z that day up to the next).
 * Internally every instant is epoch milliseconds and every span half-open, [from, to).
 */

export type TimeInput = string | number | Date;

/** `2025-01-06T10:00:00Z`: what PCO renders; sub-second precision is dropped, never rounded up. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch ms from an ISO string (with a zone), a Date or epoch ms; throws on anything else. */
export function toMs(value: TimeInput): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`not a time: ${String(value)}`);
  return ms;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// A zone-less date-time is read in the organisation's zone, like a date (inferred: the docs only cover the two forms).
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** What a `where` value means: an instant, or the day it names. */
export type WhereTime = { kind: 'instant'; at: number } | { kind: 'day'; from: number; to: number };

/** Parses a `where[date_attr]` value; null when it is not a date or date-time. */
export function parseWhereTime(value: string, timeZone: string): WhereTime | null {
  const day = DATE_ONLY.exec(value);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const from = zonedToUtc(y, m, d, 0, 0, 0, 0, timeZone);
    // The next local midnight, not from + 24 h: a DST day is 23 or 25 hours long.
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    const to = zonedToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0, 0, timeZone);
    return Number.isFinite(from) ? { kind: 'day', from, to } : null;
  }
  const local = LOCAL.exec(value);
  if (local) {
    const n = (i: number) => Number(local[i] ?? 0);
    const ms = local[7] ? Math.floor(Number(local[7]) * 1000) : 0;
    const at = zonedToUtc(n(1), n(2), n(3), n(4), n(5), n(6), ms, timeZone);
    return Number.isFinite(at) ? { kind: 'instant', at } : null;
  }
  if (ZONED.test(value)) {
    const at = Date.parse(value);
    return Number.isFinite(at) ? { kind: 'instant', at } : null;
  }
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far `timeZone`'s wall clock is ahead of UTC at the instant `ms`. */
function offsetMs(ms: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant at which `timeZone`'s wall clock shows the given local time. */
export function zonedToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, timeZone: string): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const first = wall - offsetMs(wall, timeZone);
  // Once more with the offset in force at the first guess, for times near a DST change.
  const second = wall - offsetMs(first, timeZone);
  return second;
}
