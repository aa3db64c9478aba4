/** An HTTP app over a fresh test engine, exercised with app.request() (no socket needed). */
import { createHttpApp } from '../../src/http/app.ts';
import type { Backend } from './backends.ts';
import { testEngine, type TestEngine } from './engine.ts';
import type { SyncBridgeOptions } from '../../src/syncbridge.ts';

export interface TestApp {
  engine: TestEngine;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  close(): Promise<void>;
}

export async function testApp(
  backend: Backend,
  options: {
    apiToken?: string;
    jobTypes?: string[];
    engine?: Omit<SyncBridgeOptions, 'db' | 'schema'>;
    /** Serve the engine's pipelines and runs API too (off by default, as before). */
    pipelines?: boolean;
    /** Serve two-way issue sync (connections, issues, conflicts, outbox, issue webhooks) too. */
    twoway?: boolean;
  } = {},
): Promise<TestApp> {
  const engine = await testEngine(backend, options.engine);
  const app = createHttpApp({
    db: engine.db,
    jobs: engine.jobs,
    jobTypes: options.jobTypes ?? ['customer', 'invoice', 'noop'],
    apiToken: options.apiToken,
    ...(options.pipelines ? { pipelines: engine.pipelines } : {}),
    ...(options.twoway ? { twoway: engine.twoway } : {}),
  });
  return {
    engine,
    async request(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      const res = await app.request(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body, text };
    },
    close: () => engine.close(),
  };
}
