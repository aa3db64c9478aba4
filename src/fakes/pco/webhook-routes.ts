/**
 * The Webhooks product's routes (reference §11): subscriptions at `/webhooks/v2/subscriptions` (type `Subscription`)
 * in the default version, at `/webhooks/v2/webhook_subscriptions` (type `WebhookSubscription`) from 2022-10-20 — the
 * other path is a 404 in each version. Create assigns name, url, active; update only active; `rotate_secret` issues a
 * new secret; `available_events` lists what the fake emits.
 */
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { FakePcoEnv } from './context.ts';
import { invalidPayload, notFound, validationError } from './errors.ts';
import { envelope, pageParams } from './pagination.ts';
import { EVENT_NAMES } from './resources.ts';
import { document } from './routes.ts';
import { formatTime } from './time.ts';
import { WEBHOOK_SUBSCRIPTIONS_SINCE } from './versions.ts';
import type { Webhooks, WebhookSubscription } from './webhooks.ts';

type C = Context<FakePcoEnv>;

export function registerWebhookRoutes(app: Hono<FakePcoEnv>, webhooks: Webhooks, baseUrl: () => string, organizationId: string): void {
  const modern = (c: C) => c.get('version') >= WEBHOOK_SUBSCRIPTIONS_SINCE;
  const collection = (c: C) => (modern(c) ? 'webhook_subscriptions' : 'subscriptions');
  const parent = { id: organizationId, type: 'Organization' };
  const render = (c: C, s: WebhookSubscription) => ({
    type: modern(c) ? 'WebhookSubscription' : 'Subscription',
    id: s.id,
    attributes: {
      active: s.active,
      application_id: s.application_id,
      authenticity_secret: s.authenticity_secret,
      created_at: formatTime(s.created_at),
      name: s.name,
      updated_at: formatTime(s.updated_at),
      url: s.url,
    },
    relationships: {},
    links: { self: `${baseUrl()}/webhooks/v2/${collection(c)}/${s.id}` },
  });
  const find = (c: C): WebhookSubscription => {
    const sub = webhooks.getSubscription(c.req.param('id') ?? '');
    if (!sub) throw notFound();
    return sub;
  };
  const attributesOf = async (c: C): Promise<Record<string, unknown>> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await c.req.text()) || '{}');
    } catch {
      throw invalidPayload('The payload given is not valid JSON.');
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidPayload();
    return ((data as { attributes?: Record<string, unknown> }).attributes ?? {}) as Record<string, unknown>;
  };

  for (const name of ['subscriptions', 'webhook_subscriptions'] as const) {
    const base = `/webhooks/v2/${name}`;
    const only = (handler: (c: C) => Response | Promise<Response>) => (c: C) => {
      if (collection(c) !== name) throw notFound();
      return handler(c);
    };
    app.get(
      base,
      only((c) => {
        const params = new URL(c.req.url).searchParams;
        const appId = params.get('where[application_id]');
        const all = webhooks.subscriptions.filter((s) => appId === null || s.application_id === appId);
        const page = pageParams(params);
        const data = all.slice(page.offset, page.offset + page.perPage).map((s) => render(c, s));
        return document(c, envelope({ url: `${baseUrl()}${base}`, params, page, total: all.length, data, included: [], can: { query_by: ['application_id'] }, parent }));
      }),
    );
    app.post(
      base,
      only(async (c) => {
        const attrs = await attributesOf(c);
        const resource = modern(c) ? 'WebhookSubscription' : 'Subscription';
        if (typeof attrs.name !== 'string' || !EVENT_NAMES.includes(attrs.name)) throw validationError('is not an available event', 'name', resource);
        if (typeof attrs.url !== 'string' || !/^https?:\/\//.test(attrs.url)) throw validationError('is not a valid URL', 'url', resource);
        const caller = c.get('caller');
        const sub = webhooks.create(attrs.name, attrs.url, { active: attrs.active !== false, applicationId: caller.method === 'basic' ? caller.id : null });
        return document(c, { data: render(c, sub), included: [], meta: { parent } }, 201);
      }),
    );
    app.get(`${base}/:id`, only((c) => document(c, { data: render(c, find(c)), included: [], meta: { parent } })));
    app.patch(
      `${base}/:id`,
      only(async (c) => {
        const sub = find(c);
        const attrs = await attributesOf(c);
        for (const key of Object.keys(attrs)) if (key !== 'active') throw validationError(`${key} is not an assignable attribute`, key, 'WebhookSubscription');
        if (typeof attrs.active === 'boolean') webhooks.setActive(sub.id, attrs.active);
        return document(c, { data: render(c, sub), included: [], meta: { parent } });
      }),
    );
    app.delete(
      `${base}/:id`,
      only((c) => {
        webhooks.unsubscribe(find(c).id);
        return c.body(null, 204);
      }),
    );
    app.post(`${base}/:id/rotate_secret`, only((c) => document(c, { data: render(c, webhooks.rotateSecret(find(c).id)!), included: [], meta: { parent } })));
  }

  app.get('/webhooks/v2/available_events', (c) => {
    const params = new URL(c.req.url).searchParams;
    const page = pageParams(params);
    const all = EVENT_NAMES.map((name) => {
      const [app, version, type, resource, action] = name.split('.');
      // Real ids are 32 hex characters (a 2019 capture); an md5 of the name has that shape.
      return { type: 'AvailableEvent', id: createHash('md5').update(name).digest('hex'), attributes: { action, app, name, resource, type, version } };
    });
    const data = all.slice(page.offset, page.offset + page.perPage);
    return document(c, envelope({ url: `${baseUrl()}/webhooks/v2/available_events`, params, page, total: all.length, data, included: [], can: {}, parent }));
  });
}
