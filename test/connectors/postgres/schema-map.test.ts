/** The JSON Schema → table mapping is pure; these cases are its specification. */
import { describe, expect, test } from 'vitest';
import { createTableSql, addColumnsSql } from '../../../src/connectors/postgres/ddl.ts';
import { ident } from '../../../src/connectors/postgres/ident.ts';
import { columnTypeOf, FIXED_COLUMNS, tableShapeOf } from '../../../src/connectors/postgres/schema-map.ts';
import { ValidationError } from '../../../src/protocol/errors.ts';

describe('columnTypeOf', () => {
  test.each([
    [{ type: 'string' }, 'text'],
    [{ type: 'string', format: 'date-time' }, 'timestamptz'],
    [{ type: 'string', format: 'email' }, 'text'],
    [{ type: 'string', format: 'date' }, 'text'],
    [{ type: 'integer' }, 'bigint'],
    [{ type: 'number' }, 'double precision'],
    [{ type: 'boolean' }, 'boolean'],
    [{ type: 'object', properties: {} }, 'jsonb'],
    [{ type: 'array', items: { type: 'string' } }, 'jsonb'],
    [{ type: 'null' }, 'jsonb'],
    [{ type: ['string', 'null'] }, 'text'],
    [{ type: ['integer', 'null'] }, 'bigint'],
    [{ type: ['string', 'null'], format: 'date-time' }, 'timestamptz'],
    [{ type: ['string', 'integer'] }, 'jsonb'],
    [{ anyOf: [{ type: 'string' }, { type: 'integer' }] }, 'jsonb'],
    [{}, 'jsonb'],
    [true, 'jsonb'],
    [null, 'jsonb'],
    [{ type: 'weird' }, 'jsonb'],
  ])('%j maps to %s', (schema, type) => {
    expect(columnTypeOf(schema)).toBe(type);
  });
});

describe('tableShapeOf', () => {
  test('one column per property, in schema order, with the primary key', () => {
    const shape = tableShapeOf({
      json_schema: { type: 'object', properties: { id: { type: 'string' }, amount: { type: 'integer' }, created: { type: 'string', format: 'date-time' } } },
      primary_key: ['id'],
    });
    expect(shape).toEqual({
      columns: [
        { name: 'id', type: 'text' },
        { name: 'amount', type: 'bigint' },
        { name: 'created', type: 'timestamptz' },
      ],
      primaryKey: ['id'],
    });
  });

  test('a primary key field the schema does not describe becomes a text column', () => {
    const shape = tableShapeOf({ json_schema: { type: 'object', properties: { name: { type: 'string' } } }, primary_key: ['org', 'id'] });
    expect(shape.columns).toEqual([
      { name: 'name', type: 'text' },
      { name: 'org', type: 'text' },
      { name: 'id', type: 'text' },
    ]);
    expect(shape.primaryKey).toEqual(['org', 'id']);
  });

  test('properties named like a fixed column, or too long for an identifier, get no column (they stay in _raw)', () => {
    const long = 'x'.repeat(64);
    const shape = tableShapeOf({
      json_schema: { type: 'object', properties: { id: { type: 'integer' }, _raw: { type: 'string' }, _deleted: { type: 'boolean' }, _synced_at: {}, [long]: { type: 'string' }, ['x'.repeat(63)]: { type: 'string' } } },
      primary_key: ['id'],
    });
    expect(shape.columns.map((c) => c.name)).toEqual(['id', 'x'.repeat(63)]);
  });

  test('a schema without properties still has its key column', () => {
    expect(tableShapeOf({ json_schema: { type: 'object' }, primary_key: ['id'] }).columns).toEqual([{ name: 'id', type: 'text' }]);
  });

  test('a primary key field that cannot be a column is a ValidationError', () => {
    expect(() => tableShapeOf({ json_schema: {}, primary_key: ['_raw'] })).toThrow(ValidationError);
  });
});

describe('identifiers and DDL', () => {
  test('names are quoted, embedded quotes doubled, so any name is safe', () => {
    expect(ident('customers')).toBe('"customers"');
    expect(ident('we"ird; drop table x')).toBe('"we""ird; drop table x"');
    expect(ident('Mixed Case')).toBe('"Mixed Case"');
    expect(() => ident('')).toThrow(ValidationError);
    expect(() => ident('a\0b')).toThrow(ValidationError);
    expect(() => ident('x'.repeat(64))).toThrow(ValidationError);
  });

  test('create table has typed columns, the fixed columns and the primary key', () => {
    const sql = createTableSql('s', 't', { columns: [{ name: 'id', type: 'bigint' }, { name: 'meta', type: 'jsonb' }], primaryKey: ['id'] });
    expect(sql).toContain('create table if not exists "s"."t"');
    expect(sql).toContain('"id" bigint not null');
    expect(sql).toContain('"meta" jsonb');
    for (const c of FIXED_COLUMNS) expect(sql).toContain(`"${c.name}" ${c.ddl}`);
    expect(sql).toContain('primary key ("id")');
  });

  test('evolution only ever adds columns, if not already there', () => {
    const sql = addColumnsSql('s', 't', { columns: [{ name: 'id', type: 'bigint' }, { name: 'new', type: 'text' }], primaryKey: ['id'] })!;
    expect(sql).toMatch(/^alter table "s"."t"/);
    expect(sql).toContain('add column if not exists "new" text');
    expect(sql).not.toMatch(/drop|alter column|type /i);
  });
});
