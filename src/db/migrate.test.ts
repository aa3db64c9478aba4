import { describe, expect, test } from 'vitest';
import { loadMigrations, splitStatements } from './migrate.ts';

describe('splitStatements', () => {
  test('splits on semicolons outside strings, comments and dollar quotes', () => {
    const sql = `create table a (x text default 'a;b'); -- a comment; with a semicolon
      create function f() returns trigger language plpgsql as $$ begin perform 1; return null; end $$;
      select 1`;
    const parts = splitStatements(sql);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toContain('perform 1; return null;');
  });
});

describe('migrations', () => {
  test('are numbered without gaps', async () => {
    const ids = (await loadMigrations()).map((m) => m.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });
});
