/**
 * The canonical sink on its own (both backends): two entities mapped onto one model keep their records
 * apart even with the same upstream ids (ids derive from system, entity and external id); coercion
 * stores null for a value of the wrong shape, keeping the record whole in `raw`; a transform producing a
 * field the model does not have is refused by name; deletions set deleted_at.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineEntity, defineManifest } from '../../src/protocol/manifest.ts';
import { canonicalId } from '../../src/sync/canonical/ids.ts';
import { createCanonicalSink } from '../../src/sync/canonical/sink.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, type TestEngine } from '../helpers/engine.ts';

const Person = z.object({ id: z.string(), first_name: z.unknown(), birthdate: z.unknown().optional() });
const list = (path: string) => ({ list: { path, pagination: 'offset' as const } });
const manifest = defineManifest({
  system: 'two',
  entities: {
    member: defineEntity({ primaryKey: 'id', schema: Person, endpoints: list('/members'), canonical: { model: 'person', transform: (p) => ({ fields: { first_name: p.first_name, birthdate: p.birthdate } }) } }),
    visitor: defineEntity({ primaryKey: 'id', schema: Person, endpoints: list('/visitors'), canonical: { model: 'person', transform: (p) => ({ fields: { first_name: p.first_name } }) } }),
    broken: defineEntity({ primaryKey: 'id', schema: Person, endpoints: list('/broken'), canonical: { model: 'person', transform: () => ({ fields: { frist_name: 'typo' } }) } }),
  },
});
const rec = (stream: string, data: Record<string, unknown>, deleted = false) => ({ stream, data, emitted_at: '2026-01-01T00:00:00.000Z', ...(deleted ? { deleted: true } : {}) });

describe.each(testBackends())('canonical sink (%s)', (backend) => {
  let e: TestEngine;
  beforeEach(async () => {
    e = await testEngine(backend);
  });
  afterEach(() => e.close());

  test('two entities on one model with the same upstream id are two records; bad values store null; deletes flag', async () => {
    const sink = createCanonicalSink({ db: e.db, schema: e.schema, manifest, runId: 1, reconcile: false });
    await e.db.transaction(async (tx) => {
      await sink.write(tx, 'member', [rec('member', { id: '1', first_name: 'Ada', birthdate: '1815-12-10' })]);
      await sink.write(tx, 'visitor', [rec('visitor', { id: '1', first_name: 'Vic' })]);
      await sink.write(tx, 'member', [rec('member', { id: '2', first_name: 42, birthdate: 'not a date' })]);
    });
    const { rows } = await e.db.query<{ id: string; first_name: string | null; birthdate: string | null; external_id: string }>(
      `select id::text, first_name, to_char(birthdate, 'YYYY-MM-DD') as birthdate, external_id from "${e.schema}".canonical_person order by first_name nulls last`,
    );
    expect(rows).toEqual([
      { id: canonicalId('two', 'member', '2'), first_name: '42', birthdate: null, external_id: '2' },
      { id: canonicalId('two', 'member', '1'), first_name: 'Ada', birthdate: '1815-12-10', external_id: '1' },
      { id: canonicalId('two', 'visitor', '1'), first_name: 'Vic', birthdate: null, external_id: '1' },
    ]);
    const links = await e.db.query<{ entity: string }>(`select entity from "${e.schema}".external_links order by entity, external_id`);
    expect(links.rows.map((l) => l.entity)).toEqual(['member', 'member', 'visitor']);
    await e.db.transaction((tx) => sink.write(tx, 'visitor', [rec('visitor', { id: '1' }, true)]));
    const gone = await e.db.query<{ id: string }>(`select id::text from "${e.schema}".canonical_person where deleted_at is not null`);
    expect(gone.rows).toEqual([{ id: canonicalId('two', 'visitor', '1') }]);
  });

  test('a transform producing a field the model does not have is refused, naming it', async () => {
    const sink = createCanonicalSink({ db: e.db, schema: e.schema, manifest, runId: 1, reconcile: false });
    await expect(e.db.transaction((tx) => sink.write(tx, 'broken', [rec('broken', { id: '1', first_name: 'x' })]))).rejects.toThrow('transform produced "frist_name", which canonical person does not have');
  });
});
