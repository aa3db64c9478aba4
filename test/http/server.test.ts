import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { isLoopback, startHttpServer } from '../../src/http/server.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine } from '../helpers/engine.ts';

describe('HTTP server', () => {
  test('loopback addresses are recognised', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) expect(isLoopback(h)).toBe(false);
  });

  test('refuses to listen beyond loopback without an API token', async () => {
    const e = await testEngine(testBackends()[0]!);
    try {
      const app = createHttpApp({ db: e.db, jobs: e.jobs, jobTypes: ['noop'] });
      await expect(startHttpServer(app, { host: '0.0.0.0', port: 0, apiToken: undefined })).rejects.toBeInstanceOf(ConfigError);
      const s = await startHttpServer(app, { host: '127.0.0.1', port: 0, apiToken: undefined });
      const res = await fetch(`${s.url}/healthz`);
      expect(res.status).toBe(200);
      await s.close();
    } finally {
      await e.close();
    }
  });
});
