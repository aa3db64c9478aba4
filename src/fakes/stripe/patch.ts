/**
 * Stripe's update semantics on a copy of an object: only existing fields may be set (anything else is "unknown
 * parameter"), nested hashes merge, `metadata[k]=` removes a key, an empty string means null (stripe-node sends
 * null that way), strings are coerced to the field's type. `previousAttributes` is the diff an `*.updated` event
 * carries: only changed fields, nested hashes as nested diffs, arrays whole (reference §9).
 */
import { invalidRequest, unknownParameter } from './errors.ts';
import { integerParam } from './pagination.ts';

/** Params as parsed from a form (strings) or passed in-process (numbers, booleans, null allowed). */
export type Input = Record<string, unknown>;

const READ_ONLY = new Set(['id', 'object', 'created', 'livemode', 'deleted']);
// Fields that are null until set but hold integers: a form string for them is parsed, not stored as text.
const NUMERIC = /^(amount\w*|balance|unit_amount|quantity|\w+_at|\w+_end|\w+_start|trial_\w+|days_until_due|due_date|interval_count|next_invoice_sequence)$/;
const TEMPLATES: Record<string, () => Record<string, unknown>> = {
  address: () => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null }),
};

export const isHash = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies `input` to `target` in place (callers pass a clone); throws Stripe's 400 for an unknown field. */
export function applyParams(target: Record<string, unknown>, input: Input, path = ''): void {
  for (const [key, value] of Object.entries(input)) {
    const param = path ? `${path}[${key}]` : key;
    if (value === undefined) continue;
    if (!path && key === 'metadata') {
      target.metadata = mergeMetadata(target.metadata, value);
      continue;
    }
    if ((!path && READ_ONLY.has(key)) || !(key in target)) throw unknownParameter(param);
    target[key] = coerce(target[key], value, key, param);
  }
}

function coerce(current: unknown, value: unknown, key: string, param: string): unknown {
  if (value === '' || value === null) return null;
  if (isHash(value)) {
    const base = isHash(current) ? current : TEMPLATES[key]?.();
    if (!base) return value;
    applyParams(base, value, param);
    return base;
  }
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return value;
  if (typeof current === 'number' || (current === null && NUMERIC.test(key))) return integerParam(value, param);
  if (typeof current === 'boolean') {
    if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${value}`, param);
    return value === 'true';
  }
  return value;
}

/** `metadata=''` clears it; `metadata[k]=''` removes k; values are strings (Stripe stores metadata as text). */
function mergeMetadata(current: unknown, value: unknown): Record<string, string> {
  if (value === '' || value === null) return {};
  if (!isHash(value)) throw invalidRequest('Invalid metadata: must be a hash', 'metadata');
  const next: Record<string, string> = { ...(current as Record<string, string>) };
  for (const [k, v] of Object.entries(value)) {
    if (v === '' || v === null) delete next[k];
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') next[k] = String(v);
    else throw invalidRequest(`Invalid metadata[${k}]: must be a string`, `metadata[${k}]`);
  }
  return next;
}

/** Previous values of the fields that changed between two versions; `{}` when nothing did. */
export function previousAttributes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const prev: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (isHash(a) && isHash(b)) {
      const nested = previousAttributes(a, b);
      if (Object.keys(nested).length > 0) prev[key] = nested;
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      // A key that did not exist before had no value: Stripe shows null.
      prev[key] = a === undefined ? null : structuredClone(a);
    }
  }
  return prev;
}
