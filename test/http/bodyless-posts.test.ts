/**
 * Body-less POSTs over a real socket, byte for byte as `curl -X POST` sends them: no Content-Length, no
 * Transfer-Encoding (RFC 9112 §6.3: a zero-length body). In-process app.request() cannot show this — a
 * missing body is null there — while the Node adapter gives every POST a body stream.
 */
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createHttpApp } from '../../src/http/app.ts';
import { startHttpServer, type RunningServer } from '../../src/http/server.ts';
import { NotFound } from '../../src/protocol/errors.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

interface RawResponse {
  status: number;
  head: string;
  body: any;
}

/** Writes `lines` (request line and headers) and `body` as they are, and reads the whole answer. */
async function raw(server: RunningServer, lines: string[], body = ''): Promise<RawResponse> {
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
    socket.write([...lines, `Host: 127.0.0.1:${server.port}`, 'Connection: close', '', body].join('\r\n'));
  });
  const text = bytes.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  let payload = text.slice(split + 4);
  if (/^transfer-encoding:\s*chunked/im.test(head)) payload = dechunk(payload);
  return { status: Number(head.split(' ')[1]), head, body: payload ? JSON.parse(payload) : undefined };
}

function dechunk(s: string): string {
  let out = '';
  for (let i = 0; ; ) {
    const eol = s.indexOf('\r\n', i);
    const size = parseInt(s.slice(i, eol), 16);
    if (!size) return out;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

describe.each(testBackends())('body-less POSTs over a real socket (%s)', (backend) => {
  let e: TestEngine;
  let server: RunningServer;
  beforeEach(async () => {
    e = await testEngine(backend);
    const app = createHttpApp({ db: e.db, jobs: e.jobs, jobTypes: ['customer'], twoway: e.twoway });
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, apiToken: undefined });
  });
  afterEach(async () => {
    await server.close();
    await e.close();
  });

  // A job no worker of these tests runs (its type has no handler, and it is due in 2099).
  const parked = async (entityId: string) => (await e.jobs.enqueue({ jobType: 'parked', entityId, runAt: new Date('2099-01-01T00:00:00Z') })).job;

  test('curl -X POST with no body: cancel, replay, retry and poll do what the route does, not 415', async () => {
    const job = await parked('p1');
    const cancel = await raw(server, [`POST /api/jobs/${job.id}/cancel HTTP/1.1`]);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ id: job.id, status: 'cancelled' });
    expect((await e.jobs.get(job.id))!.status).toBe('cancelled');

    const replay = await raw(server, [`POST /api/jobs/${job.id}/replay HTTP/1.1`]);
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ replay_of_job_id: job.id, job_type: 'parked', entity_id: 'p1' });

    await startWorker(e, {
      handlers: {
        customer: () => {
          throw new NotFound('no such customer');
        },
      },
    });
    const failing = (await e.jobs.enqueue({ jobType: 'customer', entityId: 'c_missing' })).job;
    await waitFor('the job to fail', async () => (await e.jobs.get(failing.id))!.status === 'failed');
    const retry = await raw(server, [`POST /api/jobs/${failing.id}/retry HTTP/1.1`]);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: failing.id, status: 'pending' });

    const connection = await e.twoway.createConnection({
      name: 'octo',
      provider: 'github',
      config: { base_url: 'http://127.0.0.1:9', repo: 'octocat/hello-world', token: 't', webhook_secret: 'a long enough webhook secret' },
    });
    const poll = await raw(server, ['POST /api/connections/octo/poll HTTP/1.1']);
    expect(poll.status).toBe(202);
    expect(poll.body.job).toMatchObject({ job_type: 'issue_poll', entity_id: `connection:${connection.id}`, payload: { connection_id: connection.id } });
    expect(poll.body.job.payload.full).toBeUndefined();
  });

  test('an empty body labelled application/json is no body: the optional body takes its defaults, not 400', async () => {
    const json = ['Content-Type: application/json', 'Content-Length: 0'];
    const job = await parked('p2');
    const cancel = await raw(server, [`POST /api/jobs/${job.id}/cancel HTTP/1.1`, ...json]);
    expect(cancel.status).toBe(200);
    expect((await e.jobs.get(job.id))!.last_error).toMatchObject({ message: 'cancelled through the API' });

    const replay = await raw(server, [`POST /api/jobs/${job.id}/replay HTTP/1.1`, ...json]);
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ replay_of_job_id: job.id });
    // A route whose body is required says which fields are missing, as for a POST with no body at all.
    const enqueue = await raw(server, ['POST /api/jobs/customer HTTP/1.1', ...json]);
    expect(enqueue.status).toBe(422);
    expect(enqueue.body.error.details).toEqual([expect.objectContaining({ field: 'entity_id' })]);
  });

  test('bodies still have to be JSON: with a length, chunked, or a form type without a body', async () => {
    const body = '{"entity_id":"c_1"}';
    const untyped = await raw(server, ['POST /api/jobs/customer HTTP/1.1', `Content-Length: ${body.length}`], body);
    expect(untyped.status).toBe(415);
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    expect((await raw(server, ['POST /api/jobs/customer HTTP/1.1', 'Transfer-Encoding: chunked'], chunked)).status).toBe(415);
    const typed = await raw(server, ['POST /api/jobs/customer HTTP/1.1', 'Transfer-Encoding: chunked', 'Content-Type: application/json'], chunked);
    expect(typed.status).toBe(201);
    expect(typed.body).toMatchObject({ job_type: 'customer', entity_id: 'c_1' });

    const job = await parked('p3');
    const form = await raw(server, [`POST /api/jobs/${job.id}/cancel HTTP/1.1`, 'Content-Type: application/x-www-form-urlencoded']);
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    expect((await e.jobs.get(job.id))!.status).toBe('pending');
  });
});
