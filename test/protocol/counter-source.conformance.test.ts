/** The counter source passes the source conformance suite in-process and as a subprocess speaking NDJSON. */
import { resolve } from 'node:path';
import { spawnSource } from '../../src/sync/subprocess/spawn-source.ts';
import { counterSource } from '../fixtures/connectors/counter-source.ts';
import { describeSourceConformance } from './conformance.ts';

const BIN = resolve(import.meta.dirname, '../fixtures/connectors/counter-source-bin.ts');

describeSourceConformance(
  'counter source',
  () => counterSource,
  ({ onSpawn }) => spawnSource([process.execPath, BIN], { onSpawn, idleTimeoutMs: 10_000, killGraceMs: 1_000 }),
  { good: { count: 25, page_size: 10 }, bad: { count: -1, page_size: 0 }, pageSize: 10 },
);
