/**
 * The PCO manifest as the engine will read it: the dependency graph (campus → person → address/email/phone_number,
 * household after person), transforms that produce only canonical fields and refs pointing at the right models,
 * the config's credential rules and secrets, and the rate-limit key.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FakePco } from '../../../src/fakes/pco/index.ts';
import { pcoAdapter, PcoConfig, pcoManifest, type PcoEntity } from '../../../src/connectors/pco/index.ts';
import { CANONICAL_SPECS } from '../../../src/protocol/canonical.ts';
import { buildDependencyGraph } from '../../../src/sync/manifest/graph.ts';
import { secretPaths } from '../../../src/sync/secrets.ts';
import { configFor, startFake, walk } from './helpers.ts';

const ENTITIES = Object.keys(pcoManifest.entities) as PcoEntity[];

describe('dependency graph', () => {
  const graph = buildDependencyGraph(ENTITIES.map((name) => ({ name, hard: pcoManifest.entities[name].dependsOn?.hard ?? [], soft: pcoManifest.entities[name].dependsOn?.soft ?? [] })));
  const at = (name: string) => graph.order.indexOf(name);

  test('campus before person before address, email and phone_number; household after person', () => {
    expect(at('campus')).toBeLessThan(at('person'));
    for (const child of ['address', 'email', 'phone_number', 'household']) expect(at('person')).toBeLessThan(at(child));
    expect(graph.levels).toEqual([['campus'], ['person'], ['address', 'email', 'household', 'phone_number']]);
    expect(graph.brokenSoftEdges).toEqual([]);
  });

  test('only the children that cannot exist without their person depend on it hard', () => {
    expect(Object.fromEntries(graph.hard)).toEqual({ campus: [], person: [], household: [], address: ['person'], email: ['person'], phone_number: ['person'] });
    expect(Object.fromEntries(graph.soft)).toEqual({ campus: [], person: ['campus'], household: ['person'], address: [], email: [], phone_number: [] });
  });
});

describe('transforms', () => {
  let fake: FakePco;
  const records = new Map<PcoEntity, Record<string, unknown>[]>();
  beforeAll(async () => {
    fake = await startFake();
    fake.store.seed({ people: 60, campuses: 2, households: 20, addressesPerPerson: 1.5, emailsPerPerson: 1, phonesPerPerson: 1 });
    for (const entity of ENTITIES) records.set(entity, (await walk(configFor(fake), entity)).records);
  });
  afterAll(() => fake.close());

  test.each(ENTITIES)('%s: only its canonical model’s fields and refs, refs naming entities of the referenced model', (name) => {
    const entity = pcoManifest.entities[name];
    const spec = CANONICAL_SPECS[entity.canonical.model];
    const rows = records.get(name)!;
    expect(rows.length).toBeGreaterThan(0);
    for (const raw of rows) {
      const out = entity.canonical.transform(entity.schema.parse(raw));
      for (const key of Object.keys(out.fields)) expect(Object.keys(spec.fields)).toContain(key);
      for (const [ref, target] of Object.entries(out.refs ?? {})) {
        expect(Object.keys(spec.refs)).toContain(ref);
        const expected = (spec.refs as Record<string, { model: string; required: boolean }>)[ref]!;
        expect(pcoManifest.entities[target.entity as PcoEntity].canonical.model).toBe(expected.model);
        if (expected.required) expect(typeof target.externalId).toBe('string');
      }
    }
  });

  test('values land in the canonical names: primary → is_primary, PrimaryCampus → primary_campus, person_id → person', () => {
    const person = records.get('person')!.find((p) => p.primary_campus_id)!;
    expect(pcoManifest.entities.person.canonical.transform(pcoManifest.entities.person.schema.parse(person))).toMatchObject({
      fields: { first_name: person.first_name, last_name: person.last_name, birthdate: person.birthdate, status: 'active' },
      refs: { primary_campus: { entity: 'campus', externalId: person.primary_campus_id } },
    });
    const email = records.get('email')![0]!;
    expect(pcoManifest.entities.email.canonical.transform(pcoManifest.entities.email.schema.parse(email))).toEqual({
      fields: { address: email.address, location: email.location, is_primary: email.primary, blocked: email.blocked },
      refs: { person: { entity: 'person', externalId: email.person_id } },
    });
    const household = records.get('household')![0]!;
    expect(pcoManifest.entities.household.canonical.transform(pcoManifest.entities.household.schema.parse(household)).refs).toEqual({
      primary_contact: { entity: 'person', externalId: household.primary_contact_id },
    });
  });

  test('the old M/F gender spelling is read as Male/Female', () => {
    const person = pcoManifest.entities.person.schema.parse({ id: '1', gender: 'F', updated_at: '2020-01-01T00:00:00Z' });
    expect(pcoManifest.entities.person.canonical.transform(person).fields.gender).toBe('Female');
  });
});

describe('manifest declarations', () => {
  test('offset paging of at most 100, a get endpoint and updated_at as the cursor for every entity', () => {
    for (const name of ENTITIES) {
      const e = pcoManifest.entities[name];
      expect(e.endpoints.list).toMatchObject({ pagination: 'offset', maxPageSize: 100 });
      expect(e.endpoints.get?.path).toBe(`${e.endpoints.list.path}/{id}`);
      expect(e.cursorField).toBe('updated_at');
      expect(e.primaryKey).toBe('id');
    }
    expect(pcoManifest.system).toBe('pco');
  });

  test('webhook events: created/updated upsert, destroyed deletes; none for campus', () => {
    expect(pcoManifest.entities.campus.webhookEvents).toBeUndefined();
    expect(pcoManifest.entities.email.webhookEvents).toEqual({
      'people.v2.events.email.created': 'upsert',
      'people.v2.events.email.updated': 'upsert',
      'people.v2.events.email.destroyed': 'delete',
    });
    expect(pcoManifest.entities.person.webhookEvents).toMatchObject({ 'people.v2.events.person.destroyed': 'delete', 'people.v2.events.person_merger.created': 'upsert' });
  });
});

describe('config', () => {
  test('exactly one way to authenticate', () => {
    expect(PcoConfig.safeParse({ application_id: 'a', secret: 's' }).success).toBe(true);
    expect(PcoConfig.safeParse({ access_token: 't' }).success).toBe(true);
    expect(PcoConfig.safeParse({}).success).toBe(false);
    expect(PcoConfig.safeParse({ application_id: 'a' }).success).toBe(false);
    expect(PcoConfig.safeParse({ secret: 's' }).success).toBe(false);
    expect(PcoConfig.safeParse({ application_id: 'a', secret: 's', access_token: 't' }).success).toBe(false);
  });

  test('defaults: PCO’s host, the latest People version, pages of 100', () => {
    expect(PcoConfig.parse({ access_token: 't' })).toMatchObject({ base_url: 'https://api.planningcenteronline.com', api_version: '2025-11-10', page_size: 100 });
    expect(PcoConfig.safeParse({ access_token: 't', page_size: 101 }).success).toBe(false);
    expect(PcoConfig.safeParse({ access_token: 't', api_version: 'latest' }).success).toBe(false);
  });

  test('the secret, the token and the webhook secrets are marked secret; the application id is not', () => {
    expect(secretPaths(PcoConfig).map((p) => p.join('.')).sort()).toEqual(['access_token', 'secret', 'webhook_secrets']);
  });

  test('rateLimit is PCO’s 100 per 20 s, keyed by application id or a digest of the token, never a secret', () => {
    expect(pcoAdapter.rateLimit(PcoConfig.parse({ application_id: 'app-1', secret: 'very-secret' }))).toEqual({ key: 'pco:api.planningcenteronline.com:app:app-1', requests: 100, perSeconds: 20 });
    const token = pcoAdapter.rateLimit(PcoConfig.parse({ access_token: 'oauth-token-value' }));
    expect(token.key).toMatch(/^pco:api\.planningcenteronline\.com:token:[0-9a-f]{16}$/);
    expect(token.key).not.toContain('oauth-token-value');
    expect(pcoAdapter.name).toBe('pco');
  });
});
