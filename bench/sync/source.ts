/** The Stripe source as the sync benchmark configures it, and a plain read of its records (untimed). */
import { stripeSource } from '../../src/connectors/stripe/index.ts';
import type { Source } from '../../src/protocol/connector.ts';
import type { RecordPayload, StreamDescriptor } from '../../src/protocol/messages.ts';

/** Config arrives as data, as in a pipeline: the source applies its own defaults. */
const source: Source = stripeSource;

export function sourceConfig(fakeUrl: string, stream: string) {
  return {
    api_key: 'sk_test_bench',
    api_version: '2026-07-29.dahlia',
    base_url: fakeUrl,
    streams: [stream],
    page_size: 100,
    // The fake runs no limiter; the source's own proactive cap is lifted to its maximum.
    requests_per_second: 10_000,
  };
}

/** The stream's descriptor as the source's discover() gives it. */
export async function discoverStream(fakeUrl: string, stream: string): Promise<StreamDescriptor> {
  for await (const m of source.discover({ config: sourceConfig(fakeUrl, stream) })) {
    if (m.type !== 'catalog') continue;
    const found = m.catalog.streams.find((s) => s.name === stream);
    if (found) return found;
  }
  throw new Error(`stripe source offers no stream "${stream}"`);
}

/** Every record the source emits for the stream, in memory: the input of the writer-only rows. */
export async function readRecords(fakeUrl: string, descriptor: StreamDescriptor): Promise<RecordPayload[]> {
  const out: RecordPayload[] = [];
  const catalog = { streams: [{ stream: descriptor, sync_mode: 'full_refresh' as const }] };
  for await (const m of source.read({ config: sourceConfig(fakeUrl, descriptor.name), catalog })) {
    if (m.type === 'record') out.push(m.record);
  }
  return out;
}
