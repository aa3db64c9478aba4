/**
 * Versioned SQL migrations: numbered files in ./migrations, applied in order, each once, never edited
 * after they land. Safe when several processes start at once: the whole run holds a transaction-level
 * advisory lock, so a second migrator waits and then finds the work done.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Db } from './db.ts';
import { quoteIdent } from './ident.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      id: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: await readFile(new URL(file, MIGRATIONS_DIR), 'utf8'),
    })),
  );
}

/** The NOTIFY channel on which inserts into `schema`'s jobs table are announced. */
export function jobsChannel(schema: string): string {
  return `${schema}_jobs`;
}

function render(sql: string, schema: string): string {
  return sql
    .replaceAll(':SCHEMA', quoteIdent(schema))
    .replaceAll(':JOBS_CHANNEL', `'${jobsChannel(schema).replaceAll("'", "''")}'`);
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

/** Brings `schema` up to the newest migration this code knows. */
export async function migrate(db: Db, schema: string): Promise<MigrateResult> {
  const migrations = await loadMigrations();
  const s = quoteIdent(schema);
  const latest = migrations.at(-1)?.id ?? 0;
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`syncbridge:migrate:${schema}`]);
    await tx.query(`create schema if not exists ${s}`);
    await tx.query(
      `create table if not exists ${s}.migrations (
         id integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const { rows } = await tx.query<{ id: number }>(`select id from ${s}.migrations order by id`);
    const done = new Set(rows.map((r) => r.id));
    const newest = Math.max(0, ...done);
    if (newest > latest) {
      throw new Error(
        `schema ${schema} is at migration ${newest}, newer than this SyncBridge knows (${latest}): upgrade SyncBridge`,
      );
    }
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      // Record first: should two migrators ever get past the lock, the loser fails on the key.
      await tx.query(`insert into ${s}.migrations (id, name) values ($1, $2)`, [m.id, m.name]);
      for (const statement of splitStatements(render(m.sql, schema))) await tx.query(statement);
      applied.push(`${String(m.id).padStart(4, '0')}_${m.name}`);
    }
    return { applied, current: latest };
  });
}

/**
 * Splits a migration into statements (so each runs through the ordinary query path inside the
 * transaction): on semicolons outside quotes, comments and dollar-quoted bodies.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? sql.length : nl + 1;
    } else if (ch === "'") {
      i = sql.indexOf("'", i + 1) + 1 || sql.length;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
      } else i++;
    } else if (ch === ';') {
      out.push(sql.slice(start, i));
      start = ++i;
    } else i++;
  }
  out.push(sql.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.replace(/--[^\n]*/g, '').trim().length > 0);
}
