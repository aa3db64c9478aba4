/**
 * Shared pieces of the Stripe source tests: a config pointing at a fake, and a collector that validates
 * every message and splits records, states and the rest.
 */
import type { FakeStripe } from '../../../src/fakes/stripe/index.ts';
import type { ConfiguredCatalog, Message } from '../../../src/protocol/messages.ts';
import { StripeConfig } from '../../../src/connectors/stripe/spec.ts';
import { descriptorOf, streamNamed } from '../../../src/connectors/stripe/streams.ts';
import { collect } from '../../protocol/conformance.ts';

export const KEY = 'sk_test_stripe_source_4eC39HqLyjWDarjtT1zdp7dc';
export const API_VERSION = '2026-07-29.dahlia';

export function configFor(fake: FakeStripe, extra: Record<string, unknown> = {}): StripeConfig {
  // Parsed, so a typo in a test's extra fields fails here, loudly.
  return StripeConfig.parse({ api_key: KEY, api_version: API_VERSION, base_url: fake.url, page_size: 100, requests_per_second: 1000, retry_base_ms: 20, timeout_ms: 5_000, ...extra });
}

export function catalogOf(names: string[], mode: 'full_refresh' | 'incremental' = 'incremental'): ConfiguredCatalog {
  return { streams: names.map((n) => ({ stream: descriptorOf(streamNamed(n)!), sync_mode: mode })) };
}

export { collect };

export function recordIds(messages: Message[], stream?: string): string[] {
  return messages.flatMap((m) => (m.type === 'record' && (!stream || m.record.stream === stream) ? [m.record.data.id as string] : []));
}

/** Query strings of the list requests to `path`, one per request that got a 200. */
export function pageRequests(fake: FakeStripe, path: string): string[] {
  return fake.requests.filter((r) => r.path === path && r.status === 200).map((r) => JSON.stringify(r.query));
}

/** Successful list requests to `path`, split into window pages and the `limit=1` probes that find the next window. */
export function listRequests(fake: FakeStripe, path: string): { pages: Record<string, string | string[]>[]; probes: Record<string, string | string[]>[] } {
  const ok = fake.requests.filter((r) => r.path === path && r.status === 200);
  return { pages: ok.filter((r) => r.query.limit !== '1').map((r) => r.query), probes: ok.filter((r) => r.query.limit === '1').map((r) => r.query) };
}

/** The UTC calendar month (`2025-03`) of a unix second. */
export function monthOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 7);
}

/** How many pages of `pageSize` a newest-first backfill in monthly windows reads over these `created` values. */
export function monthlyPages(created: number[], pageSize: number): { windows: number; pages: number } {
  const perMonth = new Map<string, number>();
  for (const c of created) perMonth.set(monthOf(c), (perMonth.get(monthOf(c)) ?? 0) + 1);
  let pages = 0;
  for (const n of perMonth.values()) pages += Math.ceil(n / pageSize);
  return { windows: perMonth.size, pages };
}
