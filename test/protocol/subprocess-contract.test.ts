/**
 * The command line a connector process is given: `<command> --config f [--catalog f] [--state f]`,
 * inputs as private files (0600, in a 0700 directory) that are gone once the command ends, and the
 * caller's cwd and env. Observed from inside a real child that reports what it sees on stderr.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, test } from 'vitest';
import type { Source } from '../../src/protocol/connector.ts';
import type { ConfiguredCatalog, Message } from '../../src/protocol/messages.ts';
import { spawnSource } from '../../src/sync/subprocess/spawn-source.ts';
import { collect } from './conformance.ts';

// Reports its argv, each input file's mode and content, its directory's mode, cwd and one env var.
const introspect = [
  process.execPath,
  '-e',
  `const fs = require('fs'), path = require('path');
   const args = process.argv.slice(1);
   const files = {};
   for (let i = 1; i < args.length; i += 2) {
     const f = args[i + 1];
     files[args[i]] = { path: f, mode: fs.statSync(f).mode & 0o777, dir_mode: fs.statSync(path.dirname(f)).mode & 0o777, json: JSON.parse(fs.readFileSync(f, 'utf8')) };
   }
   process.stderr.write(JSON.stringify({ command: args[0], flags: args.filter((a) => a.startsWith('--')), files, cwd: process.cwd(), marker: process.env.CONNECTOR_MARKER }) + '\\n');
   process.stdout.write(JSON.stringify({ type: 'connection_status', connection_status: { status: 'succeeded' } }) + '\\n');`,
];

const catalog: ConfiguredCatalog = {
  streams: [{ stream: { name: 'alpha', json_schema: {}, primary_key: ['id'], supported_sync_modes: ['incremental'] }, sync_mode: 'incremental' }],
};

async function run(call: (source: Source) => AsyncIterable<Message>, env?: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  const source = spawnSource(introspect, { onLog: (l) => lines.push(l), cwd: tmpdir(), ...(env ? { env } : {}) });
  await collect(call(source));
  return JSON.parse(lines[0]!);
}

test('read gets --config, --catalog and --state as private files, removed when it ends', async () => {
  const config = { api_key: 'sk_test_secret' };
  const seen = await run((s) => s.read({ config, catalog, state: { alpha: { last_id: 7 } } }));
  expect(seen.command).toBe('read');
  expect(seen.flags).toEqual(['--config', '--catalog', '--state']);
  expect(seen.files['--config']).toMatchObject({ mode: 0o600, dir_mode: 0o700, json: config });
  expect(seen.files['--catalog'].json).toEqual(catalog);
  expect(seen.files['--state'].json).toEqual({ alpha: { last_id: 7 } });
  for (const f of Object.values(seen.files) as { path: string }[]) expect(existsSync(f.path)).toBe(false);
});

test('without a state there is no --state; spec gets no files at all', async () => {
  expect((await run((s) => s.read({ config: {}, catalog }))).flags).toEqual(['--config', '--catalog']);
  expect((await run((s) => s.check({ config: {} }))).flags).toEqual(['--config']);
  expect(await run((s) => s.spec())).toMatchObject({ command: 'spec', flags: [] });
});

test('the child runs in the given cwd with the given environment', async () => {
  const seen = await run((s) => s.check({ config: {} }), { CONNECTOR_MARKER: 'yes', PATH: process.env.PATH });
  expect(seen).toMatchObject({ cwd: tmpdir(), marker: 'yes' });
});
