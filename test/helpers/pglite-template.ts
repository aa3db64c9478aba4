/**
 * An initialised PGlite cluster, dumped once per run (global setup) and loaded by every in-memory test
 * database: PGlite's initdb costs ~3.5 s of CPU in WASM, loading the dump ~0.5 s, and the suite starts a
 * PGlite database in some fifty files. The file name carries PGlite's version, so an upgrade never loads
 * a cluster made by another.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const ROOT = resolve(import.meta.dirname, '../..');
// The package's exports map does not include its package.json, so it is read as a file.
const { version } = JSON.parse(readFileSync(resolve(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
const FILE = resolve(ROOT, `node_modules/.cache/syncbridge-test/pglite-${version}.tar`);

/** Writes the template (global setup). A fresh one each run: three seconds, and never a stale file. */
export async function writePgliteTemplate(): Promise<void> {
  const pg = await PGlite.create({});
  try {
    const dump = await pg.dumpDataDir('none');
    await mkdir(dirname(FILE), { recursive: true });
    // Written aside and renamed, so a worker never reads half a file.
    const tmp = `${FILE}.${process.pid}`;
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, FILE);
  } finally {
    await pg.close();
  }
}

let template: Promise<Blob> | undefined;

/** The template, read once per test process. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= readFile(FILE).then(
    (bytes) => new Blob([bytes]),
    (err: unknown) => {
      throw new Error(`the PGlite template ${FILE} is missing: run the tests through vitest (its global setup writes it) (${String(err)})`);
    },
  );
  return template;
}
