/**
 * The Stripe source (`syncbridge/connectors/stripe`): streams of Stripe v1 objects, backfilled through list
 * endpoints and kept current through the Events API; webhooks verified with the same event → record mapping.
 * Imports only the protocol and the shared HTTP client (STYLE: connectors sit on protocol).
 */
import { defineSource } from '../../protocol/connector.ts';
import { typedErrorToTrace } from '../../protocol/error-trace.ts';
import { ValidationError } from '../../protocol/errors.ts';
import type { Message } from '../../protocol/messages.ts';
import { StripeClient } from './client.ts';
import { readStream } from './read.ts';
import { StripeConfig } from './spec.ts';
import { descriptorOf, STREAMS, streamNamed } from './streams.ts';
import { stripeWebhooks } from './webhook-receiver.ts';

export { StripeConfig } from './spec.ts';
export { STREAMS, streamOfEvent } from './streams.ts';
export { DEFAULT_TOLERANCE_SECONDS, eventToRecord, verifyStripeSignature, type StripeEvent } from './webhook.ts';

// A check answers quickly: a transient failure is retried a little, then reported for the caller to retry.
const CHECK_RETRIES = 2;

export const stripeSource = defineSource({
  configSchema: StripeConfig,
  documentationUrl: 'https://docs.stripe.com/api',
  webhooks: stripeWebhooks,

  async *check({ config }) {
    await new StripeClient(config).get('/v1/customers', { limit: 1 }, CHECK_RETRIES);
    yield { type: 'connection_status', connection_status: { status: 'succeeded', message: `Stripe API reachable with api_version ${config.api_version}` } };
  },

  async *discover({ config }) {
    const selected = config.streams ? STREAMS.filter((s) => config.streams!.includes(s.name as never)) : STREAMS;
    yield { type: 'catalog', catalog: { streams: selected.map(descriptorOf) } };
  },

  async *read({ config, catalog, state }): AsyncGenerator<Message> {
    const client = new StripeClient(config);
    for (const configured of catalog.streams) {
      const stream = streamNamed(configured.stream.name);
      if (!stream) throw new ValidationError(`unknown Stripe stream "${configured.stream.name}"`, { detail: { stream: configured.stream.name } });
      try {
        yield* readStream({ client, config, stream, mode: configured.sync_mode, state: state?.[stream.name] });
      } catch (err) {
        // The stream says why it stopped; the error itself still ends the read for the engine to classify.
        yield { type: 'stream_status', stream_status: { stream: stream.name, status: 'incomplete', error: typedErrorToTrace(err, stream.name).trace.error } };
        throw err;
      }
    }
    if (client.retries > 0) yield { type: 'log', log: { level: 'info', message: 'stripe_retries', fields: { retries: client.retries } } };
  },
});
