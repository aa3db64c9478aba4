/**
 * defineManifest's typing: relationships may only name declared entities, and a transform sees its own
 * entity's schema type. `@ts-expect-error` lines fail the type-check (npm test runs tsc) if the
 * compiler ever stops refusing them.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineEntity, defineManifest } from '../../src/protocol/manifest.ts';

const Person = z.object({ id: z.string(), first_name: z.string().nullable() });
const Address = z.object({ id: z.string(), person_id: z.string(), city: z.string().nullable() });
const list = (path: string) => ({ list: { path, pagination: 'offset' as const } });

describe('defineManifest', () => {
  test('a manifest with valid relationships compiles and keeps its entities', () => {
    const m = defineManifest({
      system: 'test',
      entities: {
        person: defineEntity({ primaryKey: 'id', schema: Person, endpoints: list('/people'), canonical: { model: 'person', transform: (p) => ({ fields: { first_name: p.first_name } }) } }),
        address: defineEntity({
          primaryKey: 'id',
          schema: Address,
          endpoints: list('/addresses'),
          dependsOn: { hard: ['person'] },
          canonical: { model: 'address', transform: (a) => ({ fields: { city: a.city }, refs: { person: { entity: 'person', externalId: a.person_id } } }) },
        }),
      },
    });
    expect(Object.keys(m.entities)).toEqual(['person', 'address']);
    expect(m.entities.address.dependsOn?.hard).toEqual(['person']);
  });

  test('a relationship to an undeclared entity does not compile', () => {
    const build = () =>
      defineManifest({
        system: 'test',
        entities: {
          person: { primaryKey: 'id', schema: Person, endpoints: list('/people'), canonical: { model: 'person', transform: () => ({ fields: {} }) } },
          address: {
            primaryKey: 'id',
            schema: Address,
            endpoints: list('/addresses'),
            // @ts-expect-error — "persn" is not an entity of this manifest
            dependsOn: { hard: ['persn'] },
            canonical: { model: 'address', transform: () => ({ fields: {} }) },
          },
        },
      });
    expect(build).not.toThrow();
  });
});
