/**
 * Any executable that speaks the protocol, as a Source: each method runs one child process
 * (`command... <spec|check|discover|read> --config <file> …`) and yields what it writes on stdout. The
 * config is not validated here — it is data for the child, which validates it and reports.
 */
import { z } from 'zod';
import type { Source } from '../../protocol/connector.ts';
import { runConnector, type SpawnOptions } from './run-connector.ts';

/**
 * A Source backed by `command` (e.g. `[process.execPath, 'bin.ts']`). Each call spawns a child; the
 * consumer's `return()` kills it; its failures are thrown as typed errors (see run-connector.ts).
 */
export function spawnSource(command: readonly string[], options: SpawnOptions = {}): Source<unknown> {
  const cmd = [...command];
  return {
    configSchema: z.unknown(),
    spec: () => runConnector(cmd, 'spec', {}, options),
    check: ({ config }) => runConnector(cmd, 'check', { config }, options),
    discover: ({ config }) => runConnector(cmd, 'discover', { config }, options),
    read: ({ config, catalog, state }) => runConnector(cmd, 'read', { config, catalog, state }, options),
  };
}
