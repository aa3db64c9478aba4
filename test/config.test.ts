import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  test('defaults match the documentation', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe('./.syncbridge');
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8000);
    expect(c.jobs).toMatchObject({ maxRetries: 3, backoffBaseSeconds: 2, leaseSeconds: 60 });
  });

  test('fractions are allowed for the backoff base and the lease', () => {
    const c = loadConfig({ SYNCBRIDGE_JOB_BACKOFF_SECONDS_BASE: '0.5', SYNCBRIDGE_JOB_LEASE_SECONDS: '1.5' });
    expect(c.jobs.backoffBaseSeconds).toBe(0.5);
    expect(c.jobs.leaseSeconds).toBe(1.5);
  });

  test('bad values are rejected with a message naming each variable', () => {
    let err: unknown;
    try {
      loadConfig({ SYNCBRIDGE_JOB_MAX_RETRIES_DEFAULT: '-1', SYNCBRIDGE_JOB_LEASE_SECONDS: 'abc', PORT: '99999' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('SYNCBRIDGE_JOB_MAX_RETRIES_DEFAULT');
    expect(msg).toContain('SYNCBRIDGE_JOB_LEASE_SECONDS');
    expect(msg).toContain('PORT');
  });

  test('a non-Postgres DATABASE_URL is rejected', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });

  test('max retries must be a whole number', () => {
    expect(() => loadConfig({ SYNCBRIDGE_JOB_MAX_RETRIES_DEFAULT: '2.5' })).toThrow(/SYNCBRIDGE_JOB_MAX_RETRIES_DEFAULT/);
  });
});
