/** Calendar periods in UTC for the backfill's `created` windows: where the period holding a second begins. */
import type { CreatedWindow } from './cursor.ts';
import type { BackfillWindow } from './spec.ts';

const DAY = 86_400;

/** The first second of the UTC year, month, week (Monday) or day that contains `seconds`. */
export function periodStart(seconds: number, unit: BackfillWindow): number {
  const d = new Date(seconds * 1000);
  switch (unit) {
    case 'year':
      return Date.UTC(d.getUTCFullYear(), 0, 1) / 1000;
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
    case 'week': {
      const day = Math.floor(seconds / DAY) * DAY;
      // getUTCDay: 0 = Sunday; days since the last Monday.
      return day - ((d.getUTCDay() + 6) % 7) * DAY;
    }
    case 'day':
      return Math.floor(seconds / DAY) * DAY;
  }
}

/** `2025-03-01T00:00:00Z/2025-04-01T00:00:00Z` (ISO 8601 interval, end exclusive; `..` when open), for logs. */
export function windowLabel(w: CreatedWindow): string {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  return `${iso(w.gte)}/${w.lt === null ? '..' : iso(w.lt)}`;
}
