import { describe, expect, test } from 'vitest';
import { createLogger } from './log.ts';

describe('logger', () => {
  test('secrets are redacted by the logger, whatever the caller passes (invariant 10)', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.info({
      event: 'connector.configured',
      token: 'tok-1',
      password: 'pw-1',
      config: { api_key: 'sk_test_secret', connection_string: 'postgres://u:pw-2@h/db' },
      headers: { authorization: 'Bearer tok-2', cookie: 'syncbridge_token=tok-3' },
      source: { api_key: 'sk_test_nested', secret: 'whsec_1' },
    });
    const out = lines.join('');
    for (const secret of ['tok-1', 'pw-1', 'sk_test_secret', 'pw-2', 'tok-2', 'tok-3', 'sk_test_nested', 'whsec_1']) {
      expect(out).not.toContain(secret);
    }
    expect(JSON.parse(out)).toMatchObject({ event: 'connector.configured', token: '[redacted]', config: { api_key: '[redacted]', connection_string: '[redacted]' } });
  });
});
