/**
 * Structured logging (pino): an event name plus fields, never concatenated strings. Secrets are removed
 * by redact paths here, in one place, rather than by each caller.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'api_key',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.api_key',
  '*.authorization',
  'config.*',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'syncbridge' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that writes nothing: the library default, so embedding SyncBridge is quiet unless asked. */
export const silentLogger: Logger = pino({ level: 'silent' });
