/**
 * Plain-fetch client for the fake Stripe tests: what any connector would send (Bearer key, form bodies), plus a
 * list walker and a webhook signature check written from stripe-node's algorithm (reference §13), not from the fake.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FakeStripe } from '../../src/fakes/stripe/index.ts';

export const KEY = 'sk_test_fake_4eC39HqLyjWDarjtT1zdp7dc';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface ApiInit {
  method?: string;
  /** Sent form-encoded, as Stripe expects. */
  form?: Record<string, string | number> | string;
  headers?: Record<string, string>;
  /** null sends no Authorization header. */
  key?: string | null;
}

export async function api(fake: FakeStripe, path: string, init: ApiInit = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? KEY : init.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = typeof init.form === 'string' ? init.form : new URLSearchParams(Object.entries(init.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  const res = await fetch(`${fake.url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Follows `starting_after` (or `ending_before` from `from`) until has_more is false; returns ids in received order. */
export async function walk(
  fake: FakeStripe,
  listPath: string,
  opts: { limit: number; direction?: 'older' | 'newer'; from?: string; params?: string },
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor = opts.from;
  let pages = 0;
  for (;;) {
    const q = new URLSearchParams(opts.params ?? '');
    q.set('limit', String(opts.limit));
    if (cursor) q.set(opts.direction === 'newer' ? 'ending_before' : 'starting_after', cursor);
    const res = await api(fake, `${listPath}?${q}`);
    if (res.status !== 200) throw new Error(`page ${pages + 1} of ${listPath} failed: ${res.status} ${res.text}`);
    pages++;
    const data = res.body.data as { id: string }[];
    if (opts.direction === 'newer') {
      // Each page is newest-first; walking towards newer objects, the next cursor is the page's first id.
      ids.unshift(...data.map((d) => d.id));
      cursor = data[0]?.id;
    } else {
      ids.push(...data.map((d) => d.id));
      cursor = data[data.length - 1]?.id;
    }
    if (!res.body.has_more) return { ids, pages };
    if (!cursor) throw new Error('has_more with an empty page');
  }
}

/**
 * stripe-node's verifyHeader, step by step: split on "," then "="; take `t` and every `v1`; fail without a v1;
 * pass if any v1 matches (constant time); then reject only if now − t > tolerance.
 */
export function verifyStripeSignature(payload: string, header: string, secret: string, nowSeconds: number, tolerance = 300): string | null {
  const items = header.split(',').map((item) => item.split('='));
  const t = Number(items.find(([k]) => k === 't')?.[1]);
  const v1 = items.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (!Number.isFinite(t) || v1.length === 0) return 'No signatures found with expected scheme';
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${payload}`, 'utf8').digest('hex'));
  const match = v1.some((sig) => {
    const got = Buffer.from(sig);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  if (!match) return 'No signatures found matching the expected signature for payload';
  if (tolerance > 0 && nowSeconds - t > tolerance) return 'Timestamp outside the tolerance zone';
  return null;
}

/** A clock a test moves by hand. */
export function manualClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    seconds: () => Math.floor(t / 1000),
  };
}
