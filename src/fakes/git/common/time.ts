/**
 * The timestamp formats the three providers write, from one epoch-millisecond clock, and the one parser their
 * `since`/`updated_after` filters share. GitHub: `2011-04-22T13:33:48Z`; Gitea: RFC 3339 with the server's offset
 * (`2022-03-09T16:19:00+09:00`); GitLab REST: `2016-01-04T15:31:51.081Z`; GitLab hooks: `2017-12-10 16:37:38 UTC`.
 */

/** Whole seconds, UTC, `Z`: GitHub everywhere. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Milliseconds, UTC, `Z`: GitLab's REST API. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whole seconds in a fixed UTC offset (minutes east), `Z` when 0: Gitea, which writes its server's zone. */
export function rfc3339WithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2017-12-10 16:37:38 UTC`: GitLab's webhook payloads (the fixtures' format). */
export function utcWords(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** RFC 7231 date: `Last-Modified`, GitLab's `RateLimit-ResetTime`. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * An ISO 8601 / RFC 3339 timestamp (date only, minutes or seconds, fraction, `Z` or an offset; no zone means UTC)
 * as epoch ms, or null when it is not one.
 */
export function parseTimestamp(text: string): number | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const ms = Number((frac + '000').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (Number.isNaN(t) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  if (zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    t -= sign * offset * 60_000;
  }
  return t;
}
