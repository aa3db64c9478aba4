/**
 * Stream sync on both backends: a full sync checkpoints per page; an aborted or failed run resumes from
 * the last checkpoint the destination acknowledged (never ahead of its data, never from page one); and
 * the `pipeline_stream` job does the same under a worker.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import type { Source } from '../../src/protocol/connector.ts';
import type { SourceState, StreamDescriptor } from '../../src/protocol/messages.ts';
import { createPipeline, createRun } from '../../src/sync/pipeline-store.ts';
import { loadStreamProgress } from '../../src/sync/progress-store.ts';
import { runStreamSync, type RunStreamOptions } from '../../src/sync/run-stream.ts';
import { createStreamJobHandler, PIPELINE_STREAM_JOB } from '../../src/sync/stream-job.ts';
import { loadStreamState } from '../../src/sync/state-store.ts';
import { counterSource, type CounterConfig } from '../fixtures/connectors/counter-source.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';
import { createSinkTable, sinkDestination, sinkIds } from './sink-destination.ts';

const ALPHA: StreamDescriptor = {
  name: 'alpha',
  json_schema: { type: 'object', properties: { id: { type: 'integer' } } },
  primary_key: ['id'],
  cursor_field: 'id',
  supported_sync_modes: ['full_refresh', 'incremental'],
};

const CONFIG: CounterConfig = { count: 5000, page_size: 100, retry_at: '2030-01-01T00:00:00.000Z' };

/** The counter source, remembering the state each read() was given and the first record id it emitted. */
function spySource(options: { abortAfterRecords?: { n: number; controller: AbortController } } = {}) {
  const reads: { state: SourceState | undefined; firstId: number | undefined }[] = [];
  let emitted = 0;
  const source: Source = {
    ...counterSource,
    read: (params) => {
      const call = { state: params.state, firstId: undefined as number | undefined };
      reads.push(call);
      return (async function* () {
        for await (const m of counterSource.read(params as Parameters<typeof counterSource.read>[0])) {
          if (m.type === 'record') {
            call.firstId ??= Number(m.record.data.id);
            emitted++;
            const abort = options.abortAfterRecords;
            if (abort && emitted > abort.n) abort.controller.abort(new Error('crash'));
          }
          yield m;
        }
      })();
    },
  };
  return { source, reads };
}

describe.each(testBackends())('stream sync (%s)', (backend) => {
  let e: TestEngine;
  let pipelineId: number;
  beforeEach(async () => {
    e = await testEngine(backend);
    await createSinkTable(e.db, e.schema);
    const p = await createPipeline(e.db, e.schema, {
      name: 'counter-to-sink',
      source: { connector: 'counter', config: CONFIG },
      destination: { connector: 'sink', config: {} },
      streams: ['alpha'],
      mode: 'incremental',
    });
    pipelineId = p.id;
  });
  afterEach(() => e.close());

  function options(over: Partial<RunStreamOptions> & Pick<RunStreamOptions, 'source' | 'destination' | 'runId'>): RunStreamOptions {
    return {
      sourceConfig: CONFIG,
      destinationConfig: {},
      stream: ALPHA,
      syncMode: 'incremental',
      pipelineId,
      db: e.db,
      schema: e.schema,
      signal: new AbortController().signal,
      logger: silentLogger,
      ...over,
    };
  }

  test('a full sync of 5,000 records in 50 pages saves the final state and progress', async () => {
    const runId = await createRun(e.db, e.schema, pipelineId);
    const { source, reads } = spySource();
    const counts = await runStreamSync(options({ source, destination: sinkDestination(e.db, e.schema), runId }));

    expect(counts).toMatchObject({ records: 5000, pages: 50, sent: 5000, resumedFrom: undefined, state: { last_id: 5000 } });
    expect(reads).toEqual([{ state: undefined, firstId: 1 }]);
    expect(await loadStreamState(e.db, e.schema, pipelineId, 'alpha')).toEqual({ last_id: 5000 });
    expect(await loadStreamProgress(e.db, e.schema, runId, 'alpha')).toEqual({ status: 'succeeded', records: 5000, pages: 50, cursor: { last_id: 5000 } });
    const ids = await sinkIds(e.db, e.schema, 'alpha');
    expect(ids).toHaveLength(5000);
    expect(new Set(ids).size).toBe(5000);
  });

  test('an aborted run resumes from its last checkpoint: later pages only, every record exactly once', async () => {
    const runId = await createRun(e.db, e.schema, pipelineId);
    const controller = new AbortController();
    // Abort mid-page 24 (after 2,350 records): pages 1–23 are acknowledged, page 24 is in flight.
    const first = spySource({ abortAfterRecords: { n: 2350, controller } });
    await expect(runStreamSync(options({ source: first.source, destination: sinkDestination(e.db, e.schema), runId, signal: controller.signal }))).rejects.toThrow('crash');
    const saved = await loadStreamState(e.db, e.schema, pipelineId, 'alpha');
    expect(saved).toEqual({ last_id: 2300 });
    expect(await loadStreamProgress(e.db, e.schema, runId, 'alpha')).toMatchObject({ status: 'cancelled', records: 2300, pages: 23 });

    const second = spySource();
    const counts = await runStreamSync(options({ source: second.source, destination: sinkDestination(e.db, e.schema), runId }));
    expect(second.reads).toEqual([{ state: { alpha: { last_id: 2300 } }, firstId: 2301 }]);
    expect(counts).toMatchObject({ records: 2700, pages: 27, resumedFrom: { last_id: 2300 }, state: { last_id: 5000 } });
    expect(await loadStreamProgress(e.db, e.schema, runId, 'alpha')).toEqual({ status: 'succeeded', records: 5000, pages: 50, cursor: { last_id: 5000 } });
    const ids = await sinkIds(e.db, e.schema, 'alpha');
    expect(ids).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });

  test('a checkpoint is never saved ahead of its data: a destination failing before acknowledging keeps the previous state', async () => {
    const runId = await createRun(e.db, e.schema, pipelineId);
    // Receives the 10th state (its page not yet committed) and fails before acknowledging it.
    const failing = sinkDestination(e.db, e.schema, { failAtState: 10 });
    await expect(runStreamSync(options({ source: spySource().source, destination: failing, runId }))).rejects.toThrow('sink: failing at state 10');
    expect(await loadStreamState(e.db, e.schema, pipelineId, 'alpha')).toEqual({ last_id: 900 });
    expect(await loadStreamProgress(e.db, e.schema, runId, 'alpha')).toMatchObject({ status: 'failed', records: 900, pages: 9, cursor: { last_id: 900 } });
    expect(await sinkIds(e.db, e.schema, 'alpha')).toHaveLength(900);

    const retry = spySource();
    await runStreamSync(options({ source: retry.source, destination: sinkDestination(e.db, e.schema), runId }));
    expect(retry.reads[0]).toEqual({ state: { alpha: { last_id: 900 } }, firstId: 901 });
    expect(await sinkIds(e.db, e.schema, 'alpha')).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });

  test('a full-refresh run starts over, but a retried attempt of the same run resumes from that run', async () => {
    const runId = await createRun(e.db, e.schema, pipelineId);
    await expect(runStreamSync(options({ source: spySource().source, destination: sinkDestination(e.db, e.schema, { failAtState: 5 }), runId, syncMode: 'full_refresh' }))).rejects.toThrow();
    const retry = spySource();
    await runStreamSync(options({ source: retry.source, destination: sinkDestination(e.db, e.schema), runId, syncMode: 'full_refresh' }));
    expect(retry.reads).toEqual([{ state: { alpha: { last_id: 400 } }, firstId: 401 }]);

    const nextRun = await createRun(e.db, e.schema, pipelineId);
    const fresh = spySource();
    const counts = await runStreamSync(options({ source: fresh.source, destination: sinkDestination(e.db, e.schema), runId: nextRun, syncMode: 'full_refresh' }));
    expect(fresh.reads).toEqual([{ state: undefined, firstId: 1 }]);
    expect(counts).toMatchObject({ records: 5000, pages: 50 });
  });

  test('as a pipeline_stream job: the worker runs it to success and the state is saved', async () => {
    const runId = await createRun(e.db, e.schema, pipelineId);
    await startWorker(e, {
      handlers: {
        [PIPELINE_STREAM_JOB]: createStreamJobHandler({
          db: e.db,
          schema: e.schema,
          connectors: { counter: counterSource, sink: sinkDestination(e.db, e.schema) },
        }),
      },
    });
    const { job } = await e.jobs.enqueue({
      jobType: PIPELINE_STREAM_JOB,
      entityId: `${pipelineId}:${runId}:alpha`,
      payload: { pipeline_id: pipelineId, run_id: runId, stream: 'alpha' },
    });
    const done = await waitFor('job finished', async () => {
      const j = await e.jobs.get(job.id);
      return j && ['succeeded', 'failed', 'dead'].includes(j.status) && j;
    });
    expect(done.last_error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ records: 5000, pages: 50, state: { last_id: 5000 } });
    expect(await loadStreamState(e.db, e.schema, pipelineId, 'alpha')).toEqual({ last_id: 5000 });
    expect(await sinkIds(e.db, e.schema, 'alpha')).toHaveLength(5000);
  });
});
