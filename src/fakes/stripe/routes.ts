/**
 * The v1 routes: list, retrieve, create, update and delete for each resource in the table, the Events API, and
 * Stripe's error bodies for everything else. Handlers only translate HTTP to store calls; POST bodies must be
 * form-encoded, and POSTs with an `Idempotency-Key` are replayed from the first answer.
 */
import type { Context, Hono } from 'hono';
import type { FakeStripeEnv } from './context.ts';
import { apiError, invalidRequest, StripeError, unrecognizedUrl } from './errors.ts';
import { parseParams, type Params } from './form.ts';
import { fingerprint, type IdempotencyKeys } from './idempotency.ts';
import { RESOURCE_NAMES, RESOURCES, type ResourceName } from './resources.ts';
import type { StripeStore } from './store.ts';

type C = Context<FakeStripeEnv>;

/** The resources Stripe offers search for (reference §7). */
const SEARCHABLE = new Set<ResourceName>(['customers', 'products', 'prices', 'subscriptions', 'invoices', 'charges', 'payment_intents']);

export function registerRoutes(app: Hono<FakeStripeEnv>, store: StripeStore, idempotency: IdempotencyKeys): void {
  const query = (c: C): Params => parseParams(new URL(c.req.url).searchParams);

  app.get('/v1/events', (c) => c.json(store.events.list(query(c))));
  app.get('/v1/events/:id', (c) => c.json(store.events.retrieve(c.req.param('id'))));

  for (const resource of RESOURCE_NAMES) {
    const spec = RESOURCES[resource];
    const base = `/v1/${resource}`;
    app.get(base, (c) => c.json(store.list(resource, query(c))));
    if (SEARCHABLE.has(resource)) {
      // Registered before `/:id` so "search" is not taken for an id; the fake has no search (lists are for syncing).
      app.get(`${base}/search`, () => {
        throw invalidRequest(`The fake Stripe does not implement ${base}/search; use GET ${base}.`, undefined, undefined, 404);
      });
    }
    app.get(`${base}/:id`, (c) => c.json(store.retrieve(resource, c.req.param('id'))));
    if (spec.createViaApi) {
      app.post(base, (c) => idempotent(c, (params) => store.create(resource, params, { api: true, request: c.get('request') })));
    }
    app.post(`${base}/:id`, (c) => idempotent(c, (params) => store.update(resource, c.req.param('id'), params, { request: c.get('request') })));
    if (spec.deletion !== 'none') {
      app.delete(`${base}/:id`, (c) => c.json(store.delete(resource, c.req.param('id'), { api: true, request: c.get('request') })));
    }
  }
  app.post('/v1/disputes/:id/close', (c) => idempotent(c, () => store.closeDispute(c.req.param('id'), { request: c.get('request') })));

  app.notFound((c) => {
    const err = unrecognizedUrl(c.req.method, c.req.path);
    return c.json({ error: err.body }, 404);
  });
  app.onError((err, c) => {
    const known = err instanceof StripeError ? err : apiError(500);
    // A bug in the fake must not look like a Stripe outage in a test: say so on stderr.
    if (!(err instanceof StripeError)) process.stderr.write(`fake Stripe: unexpected error on ${c.req.method} ${c.req.path}: ${err.stack ?? String(err)}\n`);
    return c.json({ error: known.body }, known.status as 400);
  });

  /** Reads the form body, then runs the handler at most once per Idempotency-Key (reference §12). */
  async function idempotent(c: C, run: (params: Params) => unknown): Promise<Response> {
    const params = await formParams(c);
    const key = c.req.header('idempotency-key');
    const apiKey = c.get('apiKey');
    if (!key) return c.json(run(params) as object);
    const print = fingerprint(c.req.method, c.req.path, params);
    const stored = idempotency.lookup(apiKey, key, print);
    if (stored) {
      c.get('entry').replayed = true;
      c.header('Idempotent-Replayed', 'true');
      return c.json(stored.body as object, stored.status as 200);
    }
    try {
      const body = run(params);
      idempotency.remember(apiKey, key, print, { status: 200, body: structuredClone(body) });
      return c.json(body as object);
    } catch (err) {
      // Once the endpoint ran, its errors are replayed too; validation (400/404) happens before and is not.
      if (err instanceof StripeError && err.status !== 400 && err.status !== 404) {
        idempotency.remember(apiKey, key, print, { status: err.status, body: { error: err.body } });
      }
      throw err;
    }
  }
}

/** POST params: form-encoded only, as stripe-mock enforces (reference §1). */
async function formParams(c: C): Promise<Params> {
  const text = await c.req.text();
  if (text === '') return {};
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw invalidRequest(`Invalid request: the body must be application/x-www-form-urlencoded (got ${type || 'no Content-Type'}).`);
  }
  return parseParams(text);
}
