/**
 * How a connector process can fail, and the typed error each becomes: a crash (ConnectorFailed with the
 * stderr tail), silence (ConnectorTimeout), a typed error it reported (the same class back), a broken
 * line (ProtocolError), an executable that does not exist. Real child processes throughout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { ConnectorFailed, ConnectorTimeout, ProtocolError } from '../../src/protocol/connector-errors.ts';
import { UpstreamRateLimited, UpstreamTimeout } from '../../src/protocol/errors.ts';
import type { ConfiguredCatalog, Message } from '../../src/protocol/messages.ts';
import { spawnDestination } from '../../src/sync/subprocess/spawn-destination.ts';
import { spawnSource } from '../../src/sync/subprocess/spawn-source.ts';
import type { SpawnOptions } from '../../src/sync/subprocess/run-connector.ts';
import { counterSource } from '../fixtures/connectors/counter-source.ts';
import { collect, isAlive } from './conformance.ts';

const COUNTER = [process.execPath, resolve(import.meta.dirname, '../fixtures/connectors/counter-source-bin.ts')];
const COLLECT = [process.execPath, resolve(import.meta.dirname, '../fixtures/connectors/collect-destination-bin.ts')];
/** Any executable is a connector: here, a few lines of JavaScript given to `node -e`. */
const script = (js: string) => [process.execPath, '-e', js];

const record = (id: number): Message => ({ type: 'record', record: { stream: 'alpha', data: { id }, emitted_at: new Date().toISOString() } });
const RECORD_LINE = `JSON.stringify({ type: 'record', record: { stream: 'alpha', data: { id: 1 }, emitted_at: new Date().toISOString() } }) + '\\n'`;

const alpha = (): ConfiguredCatalog => ({
  streams: [{ stream: { name: 'alpha', json_schema: {}, primary_key: ['id'], supported_sync_modes: ['incremental'] }, sync_mode: 'incremental' }],
});

/** Reads until the iterable throws, keeping what came before; fails the test if it does not throw. */
async function readUntilError(messages: AsyncIterable<Message>): Promise<{ before: Message[]; error: unknown }> {
  const before: Message[] = [];
  try {
    for await (const m of messages) before.push(m);
  } catch (error) {
    return { before, error };
  }
  throw new Error(`expected an error; got ${before.length} messages and a clean end`);
}

function tracked(options: SpawnOptions = {}) {
  const pids: number[] = [];
  const logs: string[] = [];
  return { pids, logs, options: { killGraceMs: 1000, ...options, onSpawn: (pid: number) => pids.push(pid), onLog: (line: string) => logs.push(line) } };
}

describe('a connector process that crashes', () => {
  test('exiting non-zero mid-stream is a retryable ConnectorFailed carrying the exit code and the end of stderr', async () => {
    const t = tracked();
    const source = spawnSource(
      script(`process.stdout.write(${RECORD_LINE}); process.stderr.write('starting\\nout of widgets at record 2\\n'); setTimeout(() => process.exit(3), 20);`),
      t.options,
    );
    const { before, error } = await readUntilError(source.read({ config: {}, catalog: alpha() }));
    expect(before.map((m) => m.type)).toEqual(['record']);
    expect(error).toBeInstanceOf(ConnectorFailed);
    const failed = error as ConnectorFailed;
    expect(failed.retryable).toBe(true);
    expect(failed.detail).toMatchObject({ command: 'read', exit_code: 3, signal: null });
    expect(failed.detail?.stderr_tail).toMatch(/out of widgets at record 2$/);
    expect(t.logs).toEqual(['starting', 'out of widgets at record 2']);
  });

  test('being killed by a signal is a ConnectorFailed naming the signal', async () => {
    const source = spawnSource(script(`process.stderr.write('about to die'); process.kill(process.pid, 'SIGKILL');`), { killGraceMs: 1000 });
    const { error } = await readUntilError(source.read({ config: {}, catalog: alpha() }));
    expect(error).toBeInstanceOf(ConnectorFailed);
    expect((error as ConnectorFailed).message).toMatch(/killed by SIGKILL/);
    expect((error as ConnectorFailed).detail).toMatchObject({ exit_code: null, signal: 'SIGKILL', stderr_tail: 'about to die' });
  });

  test('the stderr tail is bounded and keeps the last lines', async () => {
    const t = tracked({ stderrTailBytes: 100 });
    const source = spawnSource(script(`for (let i = 1; i <= 2000; i++) process.stderr.write('line ' + i + '\\n'); process.exitCode = 1;`), t.options);
    const { error } = await readUntilError(source.spec());
    const tail = String((error as ConnectorFailed).detail?.stderr_tail);
    expect(tail.length).toBeLessThanOrEqual(100);
    expect(tail.endsWith('line 2000')).toBe(true);
    expect(t.logs).toHaveLength(2000);
  });

  test('an executable that cannot be started is a ConnectorFailed saying so', async () => {
    const source = spawnSource(['/nonexistent/connector']);
    const { error } = await readUntilError(source.spec());
    expect(error).toBeInstanceOf(ConnectorFailed);
    expect((error as Error).message).toMatch(/could not start \/nonexistent\/connector/);
  });
});

describe.concurrent('a connector process that hangs', () => {
  // Plain `node -e` children here: they start in tens of milliseconds, so start-up (which counts as
  // silence too) stays well inside the timeouts even on a loaded machine.
  test('silence for the idle timeout kills it and throws a retryable ConnectorTimeout with the stderr tail', async () => {
    const t = tracked({ idleTimeoutMs: 1000 });
    const hangsAfterFive = script(
      `for (let id = 1; id <= 5; id++) process.stdout.write(${RECORD_LINE}); process.stderr.write('emitted=5\\n'); setInterval(() => {}, 60000);`,
    );
    const started = Date.now();
    const { before, error } = await readUntilError(spawnSource(hangsAfterFive, t.options).read({ config: {}, catalog: alpha() }));
    const elapsed = Date.now() - started;
    expect(before.filter((m) => m.type === 'record')).toHaveLength(5);
    expect(error).toBeInstanceOf(ConnectorTimeout);
    expect((error as ConnectorTimeout).retryable).toBe(true);
    expect((error as ConnectorTimeout).detail).toMatchObject({ idle_timeout_ms: 1000, stderr_tail: 'emitted=5' });
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1000 + 1000 + 1000); // timeout + kill grace + start-up
    expect(isAlive(t.pids[0]!)).toBe(false);
  });

  test('a slow consumer is not mistaken for a hung connector', async () => {
    // 2 MB of records: far more than the pipe holds, so the child is held up by us while we dawdle.
    const chatty = script(`const pad = 'x'.repeat(1000); for (let id = 1; id <= 2000; id++) process.stdout.write(JSON.stringify({ type: 'record', record: { stream: 'alpha', data: { id, pad }, emitted_at: new Date().toISOString() } }) + '\\n');`);
    const source = spawnSource(chatty, { idleTimeoutMs: 1000, killGraceMs: 1000 });
    let records = 0;
    for await (const m of source.read({ config: {}, catalog: alpha() })) {
      if (m.type === 'record' && ++records <= 2) await sleep(1300); // longer than the idle timeout
    }
    expect(records).toBe(2000);
  });

  test('a destination waiting on a slow upstream is not mistaken for a hung one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'collect-'));
    try {
      const destination = spawnDestination(COLLECT, { idleTimeoutMs: 1000, killGraceMs: 1000 });
      async function* slowUpstream(): AsyncGenerator<Message> {
        for (let id = 1; id <= 2; id++) {
          await sleep(1300);
          yield record(id);
          yield { type: 'state', state: { stream: 'alpha', data: { id } } };
        }
      }
      const out = await collect(destination.write({ config: { path: `${dir}/out.jsonl` }, catalog: alpha() }, slowUpstream()));
      expect(out.map((m) => m.type)).toEqual(['state', 'state']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.concurrent('stopping a connector process early', () => {
  /** Reads to the first record, stops, and returns how long the stop took. */
  async function stopAfterFirstRecord(messages: AsyncIterable<Message>): Promise<number> {
    const iterator = messages[Symbol.asyncIterator]();
    let next = await iterator.next();
    while (!next.done && next.value.type !== 'record') next = await iterator.next();
    expect(next.done).toBe(false);
    const started = Date.now();
    await iterator.return?.();
    return Date.now() - started;
  }
  /** Running (not zombie) processes of a process group, from /proc: an orphaned zombie is dead but not yet reaped. */
  const runningInGroup = (pgid: number) =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((pid) => {
        try {
          // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces, so split after ')'.
          const [state, , pgrp] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          return Number(pgrp) === pgid && state !== 'Z' ? [Number(pid)] : [];
        } catch {
          return []; // exited while we looked
        }
      });

  test('return() while the child is busy upstream (not writing) kills it at once', async () => {
    const t = tracked({ killGraceMs: 5000 });
    const source = spawnSource(COUNTER, t.options);
    const took = await stopAfterFirstRecord(source.read({ config: { count: 4, page_size: 1, hang_after: 1 }, catalog: alpha() }));
    expect(took).toBeLessThan(1000);
    expect(isAlive(t.pids[0]!)).toBe(false);
  });

  test('a child that ignores SIGTERM is killed after the grace period', async () => {
    const t = tracked({ killGraceMs: 300 });
    const stubborn = script(`process.on('SIGTERM', () => process.stderr.write('ignoring SIGTERM\\n')); process.stdout.write(${RECORD_LINE}); setInterval(() => {}, 1000);`);
    const took = await stopAfterFirstRecord(spawnSource(stubborn, t.options).read({ config: {}, catalog: alpha() }));
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(2000);
    expect(isAlive(t.pids[0]!)).toBe(false);
    expect(t.logs).toContain('ignoring SIGTERM');
  });

  test('a wrapper (a shell running the connector) is stopped with everything it started', async () => {
    const t = tracked();
    // Not `exec`: the shell stays, with the connector as its child holding our pipes.
    const wrapped = ['/bin/sh', '-c', `"$0" "$@"; echo "wrapper done" >&2`, ...COUNTER];
    const iterator = spawnSource(wrapped, t.options).read({ config: { count: 4, page_size: 1, hang_after: 1 }, catalog: alpha() })[Symbol.asyncIterator]();
    while ((await iterator.next()).value?.type !== 'record');
    expect(runningInGroup(t.pids[0]!)).toHaveLength(2); // the shell and the connector
    const started = Date.now();
    await iterator.return?.();
    expect(Date.now() - started).toBeLessThan(1000);
    // The shell (our child) has exited when return() resolves; the rest of its group was sent SIGKILL
    // and is gone moments later (not our child, so there is no exit to wait on).
    for (let waited = 0; runningInGroup(t.pids[0]!).length > 0 && waited < 1000; waited += 20) await sleep(20);
    expect(runningInGroup(t.pids[0]!)).toEqual([]);
  });
});

describe('a connector process that reports a typed error', () => {
  test('its error trace comes back as the same typed error — UpstreamRateLimited keeps retry_at — after the records before it', async () => {
    const config = { count: 20, page_size: 2, fail_after: 3, retry_at: '2031-02-03T04:05:06.000Z' };
    const overWire = await readUntilError(spawnSource(COUNTER, { killGraceMs: 1000 }).read({ config, catalog: alpha() }));
    const inProcess = await readUntilError(counterSource.read({ config, catalog: alpha() }));
    for (const { before, error } of [overWire, inProcess]) {
      expect(error).toBeInstanceOf(UpstreamRateLimited);
      expect((error as UpstreamRateLimited).retryAt).toEqual(new Date('2031-02-03T04:05:06.000Z'));
      expect((error as UpstreamRateLimited).detail).toEqual({ emitted: 3 });
      expect(before.filter((m) => m.type === 'record')).toHaveLength(3);
    }
    // No trace of the failure leaks into the stream: it is the thrown error, in both forms.
    expect(overWire.before.map((m) => m.type)).toEqual(inProcess.before.map((m) => m.type));
  });

  test('an error trace the connector goes on from (exit 0) is passed on as a message, not thrown', async () => {
    const trace = `JSON.stringify({ type: 'trace', trace: { type: 'error', error: { code: 'not_found', message: 'one invoice is gone', retryable: false } } }) + '\\n'`;
    const out = await collect(spawnSource(script(`process.stdout.write(${trace} + ${RECORD_LINE});`)).read({ config: {}, catalog: alpha() }));
    expect(out.map((m) => m.type)).toEqual(['trace', 'record']);
  });
});

describe('a connector process that breaks the protocol', () => {
  test('a line that is not JSON is a ProtocolError naming the line, and the process is stopped', async () => {
    const t = tracked();
    const source = spawnSource(script(`process.stdout.write(${RECORD_LINE} + 'debug: oops\\n'); setInterval(() => {}, 1000);`), t.options);
    const { before, error } = await readUntilError(source.read({ config: {}, catalog: alpha() }));
    expect(before).toHaveLength(1);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toMatch(/line 2: not JSON .*debug: oops/);
    expect(isAlive(t.pids[0]!)).toBe(false);
  });

  test('a message with a bad field is a ProtocolError naming the line and the field', async () => {
    const bad = `JSON.stringify({ type: 'record', record: { stream: 'alpha', data: {}, emitted_at: 'yesterday' } }) + '\\n'`;
    const { error } = await readUntilError(spawnSource(script(`process.stdout.write(${bad});`)).read({ config: {}, catalog: alpha() }));
    expect((error as Error).message).toMatch(/line 1: invalid message: record\.emitted_at: /);
    expect((error as ProtocolError).detail).toMatchObject({ line: 1, path: 'record.emitted_at' });
  });
});

describe('a destination whose input fails', () => {
  test('the input’s error is the error of the write, and the destination process is stopped', async () => {
    const t = tracked();
    const destination = spawnDestination(COLLECT, t.options);
    async function* failingUpstream(): AsyncGenerator<Message> {
      yield record(1);
      await sleep(50);
      throw new UpstreamTimeout('upstream went quiet');
    }
    const dir = await mkdtemp(join(tmpdir(), 'collect-'));
    try {
      const { error } = await readUntilError(destination.write({ config: { path: join(dir, 'out.jsonl') }, catalog: alpha() }, failingUpstream()));
      expect(error).toBeInstanceOf(UpstreamTimeout);
      expect(isAlive(t.pids[0]!)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
