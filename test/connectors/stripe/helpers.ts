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
