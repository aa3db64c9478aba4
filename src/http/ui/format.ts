/**
 * Small renderers shared by the UI's pages: status badges, times, durations and JSON. Each returns
 * markup built with `html`, so every value from the database is escaped on the way out.
 */
import { html } from 'hono/html';
import { ATTEMPT_OUTCOMES, JOB_STATUSES } from '../../jobs/types.ts';

/** What `html` returns: escaped markup, possibly awaiting nested async parts. */
export type Html = ReturnType<typeof html>;

const BADGE_KINDS = new Set<string>([...JOB_STATUSES, ...ATTEMPT_OUTCOMES]);

/** A coloured pill for a job status or an attempt outcome; unknown values get a neutral style. */
export function badge(value: string): Html {
  const kind = BADGE_KINDS.has(value) ? value : 'unknown';
  return html`<span class="badge badge-${kind}">${value}</span>`;
}

/** ISO-8601 UTC; `precise` keeps milliseconds (detail pages), otherwise seconds (lists). */
export function isoUtc(d: Date, precise = false): string {
  const iso = d.toISOString();
  return precise ? iso : `${iso.slice(0, 19)}Z`;
}

export function time(d: Date | null | undefined, precise = false): Html {
  if (!d) return html`<span class="muted">—</span>`;
  return html`<time datetime="${d.toISOString()}">${isoUtc(d, precise)}</time>`;
}

export function durationMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(Number(ms))) return '—';
  const n = Number(ms);
  return `${n < 10 ? n.toFixed(1) : Math.round(n).toString()} ms`;
}

/** Pretty-printed JSON in a <pre>; null and absent values show as a dash. */
export function prettyJson(value: unknown): Html {
  if (value === null || value === undefined) return html`<span class="muted">—</span>`;
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

/** A value or a muted dash when it is null, undefined or empty. */
export function orDash(value: string | number | null | undefined): Html {
  if (value === null || value === undefined || value === '') return html`<span class="muted">—</span>`;
  return html`${value}`;
}

export function jobHref(id: number): string {
  return `/ui/jobs/${id}`;
}

/** A query string from the given parameters, leaving out empty ones; '' when none is left. */
export function queryString(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
