/**
 * `syncbridge/protocol` (src/protocol/index.ts) is all a connector author imports: a manifest adapter
 * over the canonical model is written here against that entry alone, and the engine takes it as one.
 */
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { isManifestAdapter } from '../../src/connectors/index.ts';
import { CANONICAL_MODELS, CANONICAL_SPECS, defineEntity, defineManifest, type CanonicalRecord, type ManifestAdapter } from '../../src/protocol/index.ts';
import { manifestGraph } from '../../src/sync/manifest/plan.ts';
import { createMemoryRateLimiter } from '../../src/sync/manifest/rate-limiter.ts';
import { manifestSource } from '../../src/sync/manifest/source.ts';

const Campus = z.object({ id: z.string(), name: z.string() });
const Person = z.object({ id: z.string(), given: z.string(), campus_id: z.string() });
const list = (path: string) => ({ list: { path, pagination: 'offset' as const } });

const manifest = defineManifest({
  system: 'tiny',
  entities: {
    campus: defineEntity({ primaryKey: 'id', schema: Campus, endpoints: list('/campuses'), canonical: { model: 'campus', transform: (c) => ({ fields: { name: c.name } }) } }),
    person: defineEntity({
      primaryKey: 'id',
      schema: Person,
      endpoints: list('/people'),
      dependsOn: { hard: ['campus'] },
      // The transform receives its entity's schema type: `given` is known, a typo would not compile.
      canonical: { model: 'person', transform: (p) => ({ fields: { first_name: p.given }, refs: { primary_campus: { entity: 'campus', externalId: p.campus_id } } }) },
    }),
  },
});

const adapter: ManifestAdapter<{ url: string }> = {
  name: 'tiny',
  manifest,
  configSchema: z.object({ url: z.string() }),
  rateLimit: (c) => ({ key: c.url, requests: 10, perSeconds: 1 }),
  listPage: async () => ({ records: [], next: null }),
  fetchOne: async () => null,
};

describe('the syncbridge/protocol entry', () => {
  test('defines a manifest adapter whose transforms produce canonical records', () => {
    expect(Object.keys(manifest.entities)).toEqual(['campus', 'person']);
    const record: CanonicalRecord = manifest.entities.person.canonical.transform({ id: 'p1', given: 'Ada', campus_id: 'c1' });
    expect(record).toEqual({ fields: { first_name: 'Ada' }, refs: { primary_campus: { entity: 'campus', externalId: 'c1' } } });
    expect(CANONICAL_MODELS).toEqual(expect.arrayContaining(['campus', 'person']));
    expect(Object.keys(CANONICAL_SPECS.person.fields)).toContain('first_name');
  });

  test('the engine takes the adapter as a manifest connector and orders its entities', () => {
    expect(isManifestAdapter(adapter)).toBe(true);
    expect(manifestGraph(manifestSource(adapter, { limiter: createMemoryRateLimiter() })).levels).toEqual([['campus'], ['person']]);
  });
});
