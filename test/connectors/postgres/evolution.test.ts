/** Schema evolution: a property the stream's schema gained becomes a column; nothing is dropped or narrowed. */
import { describe, expect, test } from 'vitest';
import { postgresDestination } from '../../../src/connectors/postgres/index.ts';
import type { ConfiguredCatalog, Message } from '../../../src/protocol/messages.ts';
import { collect } from '../../protocol/conformance.ts';
import { catalogOf, from, pgConfig, record, stream, useTestSchema } from './test-schema.ts';

const db = useTestSchema();
const write = (catalog: ConfiguredCatalog, messages: Message[]) =>
  collect(postgresDestination.write({ config: pgConfig(db.name), catalog }, from(messages)));
const columns = async () =>
  Object.fromEntries(
    (await db.query(`select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = 'items' order by ordinal_position`, [db.name])).map((r) => [r.column_name, r.data_type]),
  );

describe('postgres destination schema evolution', () => {
  test('a second write whose schema adds a property adds the column and fills it; old rows keep null', async () => {
    await write(catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' } })), [record('items', { id: 1, name: 'a', color: 'red' })]);
    expect(await columns()).not.toHaveProperty('color');

    await write(catalogOf(stream('items', { id: { type: 'integer' }, name: { type: 'string' }, color: { type: 'string' }, size: { type: 'integer' } })), [
      record('items', { id: 2, name: 'b', color: 'blue', size: 3 }),
    ]);
    expect(await columns()).toMatchObject({ id: 'bigint', name: 'text', color: 'text', size: 'bigint' });
    expect(await db.query(`select id::int, color, size::int, _raw ->> 'color' as raw_color from "${db.name}".items order by id`)).toEqual([
      { id: 1, color: null, size: null, raw_color: 'red' },
      { id: 2, color: 'blue', size: 3, raw_color: 'blue' },
    ]);
  });

  test('a property removed or retyped in the schema never drops or narrows its column', async () => {
    await write(catalogOf(stream('items', { id: { type: 'integer' }, n: { type: 'integer' }, gone: { type: 'string' } })), [record('items', { id: 1, n: 5, gone: 'x' })]);
    // n now claims to be a string, gone is gone: the table keeps bigint n and the gone column with its value.
    await write(catalogOf(stream('items', { id: { type: 'integer' }, n: { type: 'string' } })), [record('items', { id: 2, n: 7 }), record('items', { id: 3, n: 'seven' })]);
    expect(await columns()).toMatchObject({ n: 'bigint', gone: 'text' });
    expect(await db.query(`select id::int, n::int, gone from "${db.name}".items order by id`)).toEqual([
      { id: 1, n: 5, gone: 'x' },
      { id: 2, n: 7, gone: null },
      { id: 3, n: null, gone: null },
    ]);
  });

  test('re-sending a record after its column was added fills the column (it is not a no-op)', async () => {
    await write(catalogOf(stream('items', { id: { type: 'integer' } })), [record('items', { id: 1, color: 'red' })]);
    await write(catalogOf(stream('items', { id: { type: 'integer' }, color: { type: 'string' } })), [record('items', { id: 1, color: 'red' })]);
    expect(await db.query(`select color from "${db.name}".items`)).toEqual([{ color: 'red' }]);
  });
});
