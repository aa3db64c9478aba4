/**
 * The connection string is a secret: its password appears in no check message, no thrown error, no
 * error trace. The local server trusts every login, so a refused login is provoked with a role that
 * does not exist; the redaction itself is also checked on an error that does echo the password.
 */
import { describe, expect, test } from 'vitest';
import { postgresDestination } from '../../../src/connectors/postgres/index.ts';
import { classifyPgError, redactSecret } from '../../../src/connectors/postgres/errors.ts';
import { typedErrorToTrace } from '../../../src/protocol/error-trace.ts';
import { AuthError, SyncError, UpstreamUnavailable } from '../../../src/protocol/errors.ts';
import { expectMessage } from '../../../src/protocol/expect-message.ts';
import { collect } from '../../protocol/conformance.ts';
import { catalogOf, from, pgConfig, record, stream, TEST_DATABASE_URL, useTestSchema } from './test-schema.ts';

const db = useTestSchema();
const PASSWORD = 'Sup3r-s3cret_pw';
const refused = TEST_DATABASE_URL.replace('postgres://postgres', `postgres://no_such_role_pgdest:${PASSWORD}`);
const catalog = catalogOf(stream('items', { id: { type: 'integer' } }));

async function writeError(connection_string: string): Promise<unknown> {
  return collect(postgresDestination.write({ config: pgConfig(db.name, {}, connection_string), catalog }, from([record('items', { id: 1 })]))).then(
    () => undefined,
    (e: unknown) => e,
  );
}

function expectNoSecret(error: unknown): void {
  expect(error).toBeInstanceOf(SyncError);
  const text = JSON.stringify(typedErrorToTrace(error)) + String((error as Error).message) + String((error as Error).stack);
  expect(text).not.toContain(PASSWORD);
  expect((error as Error).cause).toBeUndefined();
}

describe('postgres destination secrets', () => {
  test('check with a refused login reports failed without the password', async () => {
    const { connection_status } = await expectMessage(postgresDestination.check({ config: pgConfig(db.name, {}, refused) }), 'connection_status');
    expect(connection_status.status).toBe('failed');
    expect(connection_status.message).toMatch(/no_such_role_pgdest/);
    expect(connection_status.message).not.toContain(PASSWORD);
  });

  test('write with a refused login throws a non-retryable AuthError without the password', async () => {
    const error = await writeError(refused);
    expect(error).toBeInstanceOf(AuthError);
    expectNoSecret(error);
  });

  test('write to an unreachable server throws a retryable error without the password', async () => {
    const error = await writeError(`postgres://postgres:${PASSWORD}@127.0.0.1:1/test`);
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expectNoSecret(error);
  });

  test('an error that echoes the connection string is redacted, URL-encoded password included', () => {
    const url = `postgres://app:${encodeURIComponent('p@ss w0rd!')}@db.example.com/prod`;
    const err = Object.assign(new Error(`cannot use ${url} (password p@ss w0rd!)`), { code: '08006' });
    const typed = classifyPgError(err, url, 'connecting');
    expect(typed).toBeInstanceOf(UpstreamUnavailable);
    expect(typed.message).not.toContain('p@ss');
    expect(typed.message).not.toContain('p%40ss');
    expect(typed.message).toContain('postgres://app:***@db.example.com/prod');
    expect(redactSecret('host=x password=hunter22 user=y', 'host=x password=hunter22 user=y')).toBe('host=x password=*** user=y');
  });

  test('the spec marks connection_string as a secret', async () => {
    const { spec } = await expectMessage(postgresDestination.spec(), 'spec');
    expect((spec.config_schema as { properties: Record<string, unknown> }).properties.connection_string).toMatchObject({ secret: true });
  });
});
