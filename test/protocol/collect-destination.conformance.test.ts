/** The collect destination passes the destination conformance suite in-process and as a subprocess. */
import { mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnDestination } from '../../src/sync/subprocess/spawn-destination.ts';
import { collectDestination } from '../fixtures/connectors/collect-destination.ts';
import { describeDestinationConformance } from './conformance.ts';

const BIN = resolve(import.meta.dirname, '../fixtures/connectors/collect-destination-bin.ts');
const dir = mkdtempSync(join(tmpdir(), 'collect-destination-'));
const path = join(dir, 'records.jsonl');

describeDestinationConformance(
  'collect destination',
  () => collectDestination,
  ({ onSpawn }) => spawnDestination([process.execPath, BIN], { onSpawn, idleTimeoutMs: 10_000, killGraceMs: 1_000 }),
  {
    good: { path },
    bad: { path: join(dir, 'no-such-dir', 'records.jsonl') },
    readBack: async () => {
      const text = await readFile(path, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    },
    reset: () => rm(path, { force: true }),
  },
);
