/**
 * Small renderers shared by the UI's pages: status badges, times, durations, counts and JSON. Each
 * returns markup built with `html`, so every value from the database is escaped on the way out.
 */
import { html } from 'hono/html';
import { ATTEMPT_OUTCOMES, JOB_STATUSES } from '../../jobs/types.ts';
import { RUN_STATUSES } from '../../sync/pipeline-store.ts';

/** What `html` returns: escaped markup, possibly awaiting nested async parts. */
export type Html = ReturnType<typeof html>;

const BADGE_KINDS = new Set<string>([...JOB_STATUSES, ...ATTEMPT_OUTCOMES, ...RUN_STATUSES]);

/**
 * A coloured pill for a job, run or stream status or an attempt outcome; unknown values get a neutral
 * style. `style` borrows another value's colours (a stream waiting for its retry looks like a retry).
 */
export function badge(value: string, style = value): Html {
  const kind = BADGE_KINDS.has(style) ? style : 'unknown';
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

/** A span of time for people: 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function elapsed(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s).toString()} s`;
  const whole = Math.floor(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

const COUNT = new Intl.NumberFormat('en-US');

/** A count with thousands separators (12,345); bigint columns may arrive as strings. */
export function count(n: number | string | null | undefined): string {
  const v = Number(n ?? 0);
  return Number.isFinite(v) ? COUNT.format(v) : '—';
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

/** Pipelines are linked by id: a name of digits only would read as an id. */
export function pipelineHref(id: number): string {
  return `/ui/pipelines/${id}`;
}

export function runHref(id: number): string {
  return `/ui/runs/${id}`;
}

/** A query string from the given parameters, leaving out empty ones; '' when none is left. */
export function queryString(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
