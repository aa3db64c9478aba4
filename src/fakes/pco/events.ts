/**
 * A change as webhooks see it (reference §11): the event name `people.v2.events.<resource>.<action>` and the payload
 * string an EventDelivery carries, rendered at the moment of the change so later edits never reach it. `created` and
 * `updated` payloads are the record as the API renders it with `included: []` and meta (`can_include`, `parent`,
 * `event_time`, `idempotency_token`); `destroyed` keeps type, id and links, and meta only `parent`.
 */
import { uuid } from '../prng.ts';
import { selfPath, type RenderContext, type Renderer } from './render.ts';
import { RESOURCES, type ResourceType } from './resources.ts';
import type { Row } from './table.ts';
import { formatTime } from './time.ts';

export type StoreEventAction = 'created' | 'updated' | 'destroyed';

export interface StoreEvent {
  name: string;
  type: ResourceType;
  id: string;
  action: StoreEventAction;
  /** Clock ms of the change. */
  at: number;
  /** The string that goes in an EventDelivery's `attributes.payload`. */
  payload: string;
}

/** The event for a change, or null for resources PCO sends no webhooks for (campuses, memberships). */
export function eventFor(
  type: ResourceType,
  action: StoreEventAction,
  row: Row,
  at: number,
  r: { renderer: Renderer; ctx: RenderContext; organizationId: string; random: () => number },
): StoreEvent | null {
  const spec = RESOURCES[type];
  if (!spec.event) return null;
  const parent = { id: r.organizationId, type: 'Organization' };
  // The destroyed shape rests on a third-party capture (unverified, reference §11).
  const payload =
    action === 'destroyed'
      ? { data: { type: spec.type, id: String(row.id), links: { self: `${r.ctx.baseUrl}${selfPath(type, row)}` } }, meta: { parent } }
      : {
          data: r.renderer.resource(type, row, r.ctx),
          included: [],
          meta: { ...(spec.includes.length ? { can_include: spec.includes } : {}), parent, event_time: formatTime(at), idempotency_token: uuid(r.random) },
        };
  return { name: `people.v2.events.${spec.event}.${action}`, type, id: String(row.id), action, at, payload: JSON.stringify(payload) };
}
