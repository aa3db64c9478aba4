/**
 * Flattening the reference's real and constructed PCO payloads into the records the adapter hands over:
 * `{ id, ...attributes, <relationship>_id }`, ids as strings, to-many relationships left to the children, the old
 * Address `street` split into two lines, and every record accepted by its entity's schema.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { pcoManifest } from '../../../src/connectors/pco/index.ts';
import { flattenResource, JsonApiDocument, primaryData, type JsonApiResource } from '../../../src/connectors/pco/jsonapi.ts';
import { FIXTURES } from './helpers.ts';

const withFixtures = test;
const fixture = (name: string) => JsonApiDocument.parse(JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')));
const included = (doc: JsonApiDocument, type: string) => (doc.included as JsonApiResource[]).filter((r) => r.type === type);
const schemaOf = (entity: keyof typeof pcoManifest.entities) => pcoManifest.entities[entity].schema;

describe('real recordings (People 2018-08-01)', () => {
  withFixtures('people.include-emails page 1: people with string ids and primary_campus_id, no to-many keys', () => {
    const doc = fixture('people.include-emails.page-1.json');
    const people = primaryData(doc).map(flattenResource);
    expect(people).toHaveLength(25);
    expect(people[0]).toMatchObject({ id: '72078195', first_name: 'Ktjzqm', last_name: 'Ohowzjfz', primary_campus_id: null, updated_at: '2020-01-25T16:59:05Z' });
    for (const p of people) {
      expect(typeof p.id).toBe('string');
      expect(p).not.toHaveProperty('emails');
      expect(p).not.toHaveProperty('emails_id');
      expect(schemaOf('person').safeParse(p).success).toBe(true);
    }
  });

  withFixtures('its included emails point back at the person that lists them', () => {
    for (const page of ['people.include-emails.page-1.json', 'people.include-emails.page-2.json']) {
      const doc = fixture(page);
      const owner = new Map(primaryData(doc).flatMap((p) => ((p.relationships?.emails?.data ?? []) as { id: string }[]).map((e) => [e.id, String(p.id)] as const)));
      const emails = included(doc, 'Email').map(flattenResource);
      expect(emails.length).toBeGreaterThan(0);
      for (const e of emails) {
        expect(e.person_id).toBe(owner.get(e.id));
        expect(schemaOf('email').safeParse(e).success, JSON.stringify(e)).toBe(true);
      }
    }
    expect(flattenResource(included(fixture('people.include-emails.page-1.json'), 'Email')[0]!)).toEqual({
      id: '42869692',
      address: 'ewednowf@mailinator.com',
      created_at: '2020-01-25T16:59:05Z',
      location: 'Home',
      primary: true,
      updated_at: '2020-01-25T16:59:05Z',
      person_id: '72078195',
    });
  });

  withFixtures('old-style addresses: street becomes street_line_1 (and a second line, if any, street_line_2)', () => {
    const doc = fixture('people.include-addresses.json');
    const addresses = included(doc, 'Address').map(flattenResource);
    expect(addresses).toHaveLength(4);
    expect(addresses[0]).toMatchObject({ id: '55460368', street_line_1: '123 Ride Way', street_line_2: null, city: 'Boston', person_id: '45029164' });
    for (const a of addresses) {
      expect(a).not.toHaveProperty('street');
      expect(schemaOf('address').safeParse(a).success).toBe(true);
    }
    const twoLines = flattenResource({ type: 'Address', id: 1, attributes: { street: '1 Main St\nApt 2', updated_at: '2020-01-01T00:00:00Z' } });
    expect(twoLines).toMatchObject({ id: '1', street_line_1: '1 Main St', street_line_2: 'Apt 2' });
  });

  withFixtures('person mergers: numeric _id attributes become strings', () => {
    const merger = flattenResource(primaryData(fixture('person-mergers.json'))[0]!);
    expect(merger).toMatchObject({ id: '3518', person_to_keep_id: '7504309', person_to_remove_id: '14994497' });
  });
});

describe('constructed payloads (People 2025-11-10)', () => {
  withFixtures('people with addresses and emails: PrimaryCampus becomes primary_campus_id; children name their person', () => {
    const doc = fixture('people.include-addresses-emails.page-1.json');
    const people = primaryData(doc).map(flattenResource);
    expect(people.map((p) => [p.id, p.primary_campus_id])).toEqual([
      ['900101', '81'],
      ['900102', '81'],
    ]);
    const addresses = included(doc, 'Address').map(flattenResource);
    expect(addresses.map((a) => [a.id, a.person_id, a.street_line_1, a.street_line_2])).toEqual([
      ['55000001', '900101', '12 Orchard Lane', null],
      ['55000002', '900101', '400 Market Street', 'Suite 210'],
      ['55000003', '900102', '12 Orchard Lane', null],
    ]);
    expect(included(doc, 'Email').map(flattenResource).map((e) => [e.id, e.person_id])).toEqual([
      ['44000001', '900101'],
      ['44000002', '900102'],
      ['44000003', '900102'],
    ]);
    for (const p of people) expect(schemaOf('person').safeParse(p).success).toBe(true);
  });

  withFixtures('household, campus and address reads flatten to their entity shapes', () => {
    const household = flattenResource(primaryData(fixture('household.json'))[0]!);
    expect(household).toMatchObject({ id: '3300001', name: 'Example Household', member_count: 2, primary_contact_id: '900101' });
    expect(household).not.toHaveProperty('people_id');
    expect(schemaOf('household').safeParse(household).success).toBe(true);

    const campus = flattenResource(primaryData(fixture('campus.json'))[0]!);
    expect(campus).toMatchObject({ id: '81', name: 'Downtown', street: '100 Main Street', time_zone: 'America/Chicago', organization_id: '700001' });
    expect(schemaOf('campus').safeParse(campus).success).toBe(true);

    const address = flattenResource(primaryData(fixture('address.json'))[0]!);
    expect(address).toMatchObject({ id: '55000002', person_id: '900101', street_line_2: 'Suite 210' });
    expect(schemaOf('address').safeParse(address).success).toBe(true);
  });

  withFixtures('a record without its person is refused by the schema', () => {
    const address = flattenResource(primaryData(fixture('address.json'))[0]!);
    expect(schemaOf('address').safeParse({ ...address, person_id: null }).success).toBe(false);
  });
});
