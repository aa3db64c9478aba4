/** Deleted records: flag mode keeps the row with _deleted = true, delete mode removes it. */
import { describe, expect, test } from 'vitest';
import { postgresDestination } from '../../../src/connectors/postgres/index.ts';
import type { Message } from '../../../src/protocol/messages.ts';
import { collect } from '../../protocol/conformance.ts';
import { catalogOf, countsOf, from, pgConfig, record, stream, useTestSchema } from './test-schema.ts';

const db = useTestSchema();
const catalog = catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' } }));
const write = (deletes: 'flag' | 'delete', messages: Message[]) =>
  collect(postgresDestination.write({ config: pgConfig(db.name, { deletes }), catalog }, from(messages)));
const rows = () => db.query(`select id::int, name, _deleted from "${db.name}".items order by id`);

describe('postgres destination deletes', () => {
  test('flag mode sets _deleted and keeps the row as it was', async () => {
    await write('flag', [record('items', { id: 1, name: 'a' }), record('items', { id: 2, name: 'b' })]);
    const out = await write('flag', [record('items', { id: 1 }, true)]);
    expect(await rows()).toEqual([
      { id: 1, name: 'a', _deleted: true },
      { id: 2, name: 'b', _deleted: false },
    ]);
    expect(countsOf(out, 'items')).toEqual({ inserted: 0, updated: 0, skipped: 0, deleted: 1 });
    expect(out.find((m) => m.type === 'stream_status')?.stream_status.counts).toEqual({ records: 1, deleted: 1 });

    // Deleting again changes nothing; the record coming back un-deletes it.
    expect(countsOf(await write('flag', [record('items', { id: 1 }, true)]), 'items')).toMatchObject({ deleted: 0, skipped: 1 });
    await write('flag', [record('items', { id: 1, name: 'a2' })]);
    expect((await rows())[0]).toEqual({ id: 1, name: 'a2', _deleted: false });
  });

  test('flag mode records a deletion of a key never seen as a tombstone row', async () => {
    await write('flag', [record('items', { id: 7 }, true)]);
    expect(await rows()).toEqual([{ id: 7, name: null, _deleted: true }]);
  });

  test('delete mode removes the row', async () => {
    await write('delete', [record('items', { id: 1, name: 'a' }), record('items', { id: 2, name: 'b' })]);
    const out = await write('delete', [record('items', { id: 1 }, true), record('items', { id: 3 }, true)]);
    expect(await rows()).toEqual([{ id: 2, name: 'b', _deleted: false }]);
    expect(countsOf(out, 'items')).toEqual({ inserted: 0, updated: 0, skipped: 1, deleted: 1 });
  });

  test('within one batch, the last of an upsert and a deletion of the same key wins', async () => {
    await write('delete', [record('items', { id: 1, name: 'a' }), record('items', { id: 1 }, true), record('items', { id: 2, name: 'b' }), record('items', { id: 2 }, true), record('items', { id: 2, name: 'b2' })]);
    expect(await rows()).toEqual([{ id: 2, name: 'b2', _deleted: false }]);
  });
});
