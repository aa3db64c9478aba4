/**
 * The People routes (reference §1 table): org-wide lists, single reads, the nested lists the reference names, and
 * POST/PATCH/DELETE where it documents them. Handlers only translate HTTP to lister and store calls: 200 with a
 * document, 201 on create, 204 with no body on delete, PCO's 404 for an unknown id or parent.
 */
import type { Context, Hono } from 'hono';
import { readResource } from './body.ts';
import type { FakePcoEnv } from './context.ts';
import { notFound } from './errors.ts';
import type { RenderContext } from './render.ts';
import { PERSON_CHILDREN, type ResourceType } from './resources.ts';
import type { PcoStore } from './store.ts';
import type { Row } from './table.ts';

type C = Context<FakePcoEnv>;

export const JSON_API = 'application/vnd.api+json; charset=utf-8';

export function document(c: C, body: unknown, status: 200 | 201 = 200): Response {
  return c.body(JSON.stringify(body), status, { 'Content-Type': JSON_API });
}

export function registerPeopleRoutes(app: Hono<FakePcoEnv>, store: PcoStore, baseUrl: () => string): void {
  const lister = store.lister;
  const ctx = (c: C): RenderContext => ({ version: c.get('version'), baseUrl: baseUrl() });
  const params = (c: C) => new URL(c.req.url).searchParams;
  const org = () => ({ id: store.data.org.id, type: 'Organization' });
  const must = (type: ResourceType, id: string | undefined): Row => {
    const row = id === undefined ? undefined : store.row(type, id);
    if (!row) throw notFound();
    return row;
  };
  const single = (c: C, type: ResourceType, row: Row | null, status: 200 | 201 = 200) => document(c, lister.single(type, row, params(c), ctx(c)), status);

  app.get('/people/v2', (c) => document(c, { data: store.renderer.organization(ctx(c)), included: [], meta: {} }));

  for (const type of ['people', 'households', 'campuses', 'addresses', 'emails', 'phone_numbers', 'person_mergers'] as const) {
    const base = `/people/v2/${type}`;
    app.get(base, (c) => document(c, lister.list({ type, path: base, params: params(c), ctx: ctx(c), parent: org() })));
    app.get(`${base}/:id`, (c) => single(c, type, must(type, c.req.param('id'))));
    if (type === 'person_mergers') continue;
    app.patch(`${base}/:id`, async (c) => {
      const row = must(type, c.req.param('id'));
      store.update(type, row.id, await readResource(c, type));
      return single(c, type, must(type, c.req.param('id')));
    });
    app.delete(`${base}/:id`, (c) => {
      store.delete(type, must(type, c.req.param('id')).id);
      return c.body(null, 204);
    });
  }
  for (const type of ['people', 'households', 'campuses'] as const) {
    app.post(`/people/v2/${type}`, async (c) => {
      const created = store.create(type, await readResource(c, type));
      return single(c, type, store.row(type, created.id)!, 201);
    });
  }

  // A person's children: list and create under the person; read/update/delete at the top level.
  for (const child of PERSON_CHILDREN) {
    const path = (id: string) => `/people/v2/people/${id}/${child}`;
    app.get('/people/v2/people/:id/' + child, (c) => {
      const person = must('people', c.req.param('id'));
      return document(c, lister.list({ type: child, path: path(String(person.id)), params: params(c), ctx: ctx(c), rows: () => store.data.tables[child].byRef('person', person.id), parent: { id: String(person.id), type: 'Person' } }));
    });
    app.post('/people/v2/people/:id/' + child, async (c) => {
      const person = must('people', c.req.param('id'));
      const input = await readResource(c, child);
      const created = store.create(child, { ...input, person_id: person.id });
      return single(c, child, store.row(child, created.id)!, 201);
    });
  }
  app.get('/people/v2/people/:id/households', (c) => {
    const person = must('people', c.req.param('id'));
    const t = store.data.tables;
    const rows = () => [...new Set(t.household_memberships.byRef('person', person.id).map((m) => m.refs.household!))].sort((a, b) => a - b).map((h) => t.households.get(h)).filter((r) => r !== undefined);
    return document(c, lister.list({ type: 'households', path: `/people/v2/people/${person.id}/households`, params: params(c), ctx: ctx(c), rows, parent: { id: String(person.id), type: 'Person' } }));
  });
  app.get('/people/v2/people/:id/household_memberships', (c) => {
    const person = must('people', c.req.param('id'));
    return document(c, lister.list({ type: 'household_memberships', path: `/people/v2/people/${person.id}/household_memberships`, params: params(c), ctx: ctx(c), rows: () => store.data.tables.household_memberships.byRef('person', person.id), parent: { id: String(person.id), type: 'Person' } }));
  });
  app.get('/people/v2/people/:id/primary_campus', (c) => {
    const person = must('people', c.req.param('id'));
    const campus = person.refs.primary_campus == null ? null : (store.row('campuses', person.refs.primary_campus) ?? null);
    return document(c, lister.single('campuses', campus, params(c), ctx(c), { id: String(person.id), type: 'Person' }));
  });
  app.get('/people/v2/emails/:id/person', (c) => {
    const email = must('emails', c.req.param('id'));
    return document(c, lister.single('people', must('people', String(email.refs.person)), params(c), ctx(c)));
  });

  // Households: their people (filters non_pending, without_deceased) and memberships.
  app.get('/people/v2/households/:id/people', (c) => {
    const household = must('households', c.req.param('id'));
    const t = store.data.tables;
    const members = () => t.household_memberships.byRef('household', household.id);
    const pending = new Set(members().filter((m) => store.renderer.value('household_memberships', m, 'pending') === true).map((m) => m.refs.person));
    const rows = () => members().map((m) => t.people.get(m.refs.person!)).filter((r) => r !== undefined).sort((a, b) => a.id - b.id);
    // Nobody is deceased in the fake: without_deceased keeps everyone.
    const filters = { non_pending: (r: Row) => !pending.has(r.id), without_deceased: () => true };
    return document(c, lister.list({ type: 'people', path: `/people/v2/households/${household.id}/people`, params: params(c), ctx: ctx(c), rows, filters, parent: { id: String(household.id), type: 'Household' } }));
  });
  const membershipsPath = '/people/v2/households/:id/household_memberships';
  app.get(membershipsPath, (c) => {
    const household = must('households', c.req.param('id'));
    return document(c, lister.list({ type: 'household_memberships', path: `/people/v2/households/${household.id}/household_memberships`, params: params(c), ctx: ctx(c), rows: () => store.data.tables.household_memberships.byRef('household', household.id), parent: { id: String(household.id), type: 'Household' } }));
  });
  app.post(membershipsPath, async (c) => {
    const household = must('households', c.req.param('id'));
    const created = store.create('household_memberships', { ...(await readResource(c, 'household_memberships')), household_id: household.id });
    return single(c, 'household_memberships', store.row('household_memberships', created.id)!, 201);
  });
  const membership = (c: C): Row => {
    const household = must('households', c.req.param('id'));
    const row = must('household_memberships', c.req.param('mid'));
    if (row.refs.household !== household.id) throw notFound();
    return row;
  };
  app.get(`${membershipsPath}/:mid`, (c) => single(c, 'household_memberships', membership(c)));
  app.patch(`${membershipsPath}/:mid`, async (c) => {
    const row = membership(c);
    const input = await readResource(c, 'household_memberships');
    // The person of a membership is fixed once made.
    delete input.person_id;
    store.update('household_memberships', row.id, input);
    return single(c, 'household_memberships', store.row('household_memberships', row.id)!);
  });
  app.delete(`${membershipsPath}/:mid`, (c) => {
    store.delete('household_memberships', membership(c).id);
    return c.body(null, 204);
  });
}

