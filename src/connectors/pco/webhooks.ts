/**
 * PCO webhook deliveries (reference §11). The body is `{"data":[EventDelivery…]}`, each with `attributes.name`
 * (`people.v2.events.<resource>.<action>`) and `attributes.payload`, a JSON string holding the resource as the API
 * renders it. `X-PCO-Webhooks-Authenticity` is the hex HMAC-SHA256 of the raw body keyed with the subscription's
 * `authenticity_secret`; PCO has one subscription (and secret) per event name, so every configured secret is tried,
 * each compared in constant time with no early exit. Nothing is parsed before the signature holds.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AuthError, ValidationError } from '../../protocol/errors.ts';
import type { WebhookDelivery, WebhookRequest } from '../../protocol/webhooks.ts';
import { PERSON_MERGER_EVENT } from './entities.ts';
import { flattenResource, JsonApiResource } from './jsonapi.ts';
import { pcoManifest, type PcoEntity } from './manifest.ts';
import type { PcoConfig } from './spec.ts';

export const SIGNATURE_HEADER = 'x-pco-webhooks-authenticity';

const EventDelivery = z.looseObject({
  id: z.string().min(1),
  type: z.literal('EventDelivery'),
  attributes: z.looseObject({ name: z.string().min(1), attempt: z.number().int().optional(), payload: z.string() }),
});
const DeliveryBody = z.looseObject({ data: z.array(EventDelivery).min(1) });

/** The string payload, parsed: `destroyed` ones keep `type` and `id` but no attributes (§11). */
const EventPayload = z.looseObject({ data: JsonApiResource });

/** Event name → the entity it touches, from the manifest's webhookEvents. */
const ENTITY_OF_EVENT: ReadonlyMap<string, PcoEntity> = new Map(
  Object.entries(pcoManifest.entities).flatMap(([entity, def]) => Object.keys(def.webhookEvents ?? {}).map((name) => [name, entity as PcoEntity] as const)),
);

/**
 * Verifies a delivery and names it by its EventDelivery id and event name. AuthError: the signature is missing or
 * matches no configured secret. ValidationError: no secret is configured, or the signed body is not a delivery.
 */
export function verifyPcoWebhook({ config, body, headers }: WebhookRequest<PcoConfig>): WebhookDelivery {
  const secrets = config.webhook_secrets ?? [];
  if (secrets.length === 0) {
    throw new ValidationError('the PCO source has no webhook_secrets configured: it cannot verify webhooks', { detail: { field: 'webhook_secrets' } });
  }
  const header = headers[SIGNATURE_HEADER]?.trim().toLowerCase();
  if (!header) throw new AuthError('the delivery has no X-PCO-Webhooks-Authenticity header');
  if (!/^[0-9a-f]{64}$/.test(header)) throw new AuthError('X-PCO-Webhooks-Authenticity is not a hex HMAC-SHA256');
  const given = Buffer.from(header, 'hex');
  let matched = false;
  for (const secret of secrets) matched = timingSafeEqual(createHmac('sha256', secret).update(body).digest(), given) || matched;
  if (!matched) throw new AuthError('webhook signature does not match any configured secret');

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ValidationError('webhook body is not JSON', { cause: err });
  }
  const delivery = DeliveryBody.safeParse(parsed);
  if (!delivery.success) throw new ValidationError('webhook body is not a PCO EventDelivery list', { detail: { issues: delivery.error.issues.map((i) => i.path.join('.')) } });
  for (const d of delivery.data.data) eventPayload(d.attributes.payload);
  const first = delivery.data.data[0]!;
  // One element in every capture (§11); should PCO batch, the joined ids still name this exact delivery.
  return { id: delivery.data.data.map((d) => d.id).join(','), type: first.attributes.name, payload: parsed };
}

/** The records a delivery touched: one per event, two for a merge (the kept and the removed person). */
export function touchedByPcoWebhook(delivery: WebhookDelivery): { entity: PcoEntity; id: string }[] {
  const body = DeliveryBody.safeParse(delivery.payload);
  if (!body.success) throw new ValidationError('stored webhook payload is not a PCO EventDelivery list');
  const out = new Map<string, { entity: PcoEntity; id: string }>();
  const add = (entity: PcoEntity, id: unknown) => {
    if (typeof id === 'string' && id !== '') out.set(`${entity}:${id}`, { entity, id });
  };
  for (const d of body.data.data) {
    const entity = ENTITY_OF_EVENT.get(d.attributes.name);
    // Events for resources this adapter does not sync (notes, lists, other products) touch nothing.
    if (!entity) continue;
    const resource = flattenResource(eventPayload(d.attributes.payload).data);
    if (d.attributes.name === PERSON_MERGER_EVENT) {
      add('person', resource.person_to_keep_id);
      add('person', resource.person_to_remove_id);
    } else {
      add(entity, resource.id);
    }
  }
  return [...out.values()];
}

function eventPayload(raw: string): z.infer<typeof EventPayload> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new ValidationError('webhook event payload is not JSON', { cause: err });
  }
  const payload = EventPayload.safeParse(parsed);
  if (!payload.success) throw new ValidationError('webhook event payload has no resource in data');
  return payload.data;
}
