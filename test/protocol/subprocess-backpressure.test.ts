/**
 * Backpressure across the process boundary, both ways: a source process cannot run ahead of a slow
 * consumer (its stdout fills and it waits), and a slow destination process holds back the upstream
 * feeding its stdin (the next message is not even pulled). Real child processes, 200k-record streams.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, onTestFinished, test } from 'vitest';
import type { ConfiguredCatalog, Message } from '../../src/protocol/messages.ts';
import { spawnDestination } from '../../src/sync/subprocess/spawn-destination.ts';
import { spawnSource } from '../../src/sync/subprocess/spawn-source.ts';
import { isAlive } from './conformance.ts';

const COUNTER = [process.execPath, resolve(import.meta.dirname, '../fixtures/connectors/counter-source-bin.ts')];
const COLLECT = [process.execPath, resolve(import.meta.dirname, '../fixtures/connectors/collect-destination-bin.ts')];
const TOTAL = 200_000;
/**
 * How far ahead of its reader a child may get: about what the pipe (64 KiB), the reader's stream
 * buffer and the writer's buffer hold, ~100-byte lines. Without backpressure it would be all 200k.
 */
const SLACK = 20_000;

const alpha: ConfiguredCatalog = {
  streams: [{ stream: { name: 'alpha', json_schema: {}, primary_key: ['id'], supported_sync_modes: ['incremental'] }, sync_mode: 'incremental' }],
};

/** Polls `value` until it stops changing for `quietMs` (or `maxMs` passes) and returns it. */
async function settled(value: () => number, quietMs = 300, maxMs = 10_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = value();
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(50);
    const now = value();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) break;
  }
  return last;
}

test('a source process waits for a slow consumer instead of running ahead of it', async () => {
  let emitted = 0; // as the child reports on stderr, which is always read
  const pids: number[] = [];
  const source = spawnSource(COUNTER, {
    onSpawn: (pid) => pids.push(pid),
    onLog: (line) => (emitted = Number(/^emitted=(\d+)$/.exec(line)?.[1] ?? emitted)),
    killGraceMs: 1000,
  });
  const messages = source.read({ config: { count: TOTAL, page_size: 1000, stderr_progress_every: 500 }, catalog: alpha })[Symbol.asyncIterator]();
  // Stopped even when an assertion fails first, so no child outlives a failing test.
  onTestFinished(async () => void (await messages.return?.()));

  let read = 0;
  const readRecords = async (n: number) => {
    for (let target = read + n; read < target; ) {
      const next = await messages.next();
      if (next.done) throw new Error('the stream ended early');
      if (next.value.type === 'record') read++;
    }
  };

  await readRecords(10);
  const aheadWhilePaused = await settled(() => emitted);
  expect(aheadWhilePaused).toBeGreaterThan(0);
  expect(aheadWhilePaused).toBeLessThan(read + SLACK);

  // Paused, not stuck: reading on lets it go on, and again only so far.
  await readRecords(30_000);
  const aheadAfterMore = await settled(() => emitted);
  expect(aheadAfterMore).toBeGreaterThanOrEqual(30_000);
  expect(aheadAfterMore).toBeLessThan(read + SLACK);

  await messages.return?.();
  expect(isAlive(pids[0]!)).toBe(false);
});

test('a slow destination process holds back the upstream that feeds it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'collect-'));
  try {
    let pulled = 0;
    let upstreamClosed = false;
    async function* upstream(): AsyncGenerator<Message> {
      try {
        for (let id = 1; id <= TOTAL; id++) {
          pulled++;
          yield { type: 'record', record: { stream: 'alpha', data: { id }, emitted_at: '2026-01-01T00:00:00.000Z' } };
          if (id % 1000 === 0) yield { type: 'state', state: { stream: 'alpha', data: { last_id: id } } };
        }
      } finally {
        upstreamClosed = true;
      }
    }
    const pids: number[] = [];
    const destination = spawnDestination(COLLECT, { onSpawn: (pid) => pids.push(pid), killGraceMs: 1000 });
    // 100 ms per 1000-record commit: ~10k records/s, against an upstream that could give 200k at once.
    const out = destination.write({ config: { path: join(dir, 'out.jsonl'), slow_ms: 100 }, catalog: alpha }, upstream())[Symbol.asyncIterator]();
    onTestFinished(async () => void (await out.return?.()));

    const first = await out.next();
    expect(first.value).toEqual({ type: 'state', state: { stream: 'alpha', data: { last_id: 1000 } } });
    await sleep(500);
    const acknowledged = 1000;
    // In 500 ms the destination commits ~5 pages; everything else pulled must fit in the pipes.
    expect(pulled).toBeLessThan(acknowledged + 5_000 + SLACK);
    expect(pulled).toBeLessThan(TOTAL / 4);

    await out.return?.();
    expect(isAlive(pids[0]!)).toBe(false);
    // Stopping the write closes the upstream too (a source process behind it would be stopped).
    await sleep(50);
    expect(upstreamClosed).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
