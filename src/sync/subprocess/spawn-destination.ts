/**
 * Any executable that speaks the protocol, as a Destination: `write` streams its input messages to the
 * child's stdin as NDJSON at the pace the child reads them, and yields what the child writes on stdout
 * (states it has made durable, logs, traces). Config is validated by the child, not here.
 */
import { z } from 'zod';
import type { Destination } from '../../protocol/connector.ts';
import { runConnector, type SpawnOptions } from './run-connector.ts';

/** A Destination backed by `command`; each call spawns a child, and the consumer's `return()` kills it. */
export function spawnDestination(command: readonly string[], options: SpawnOptions = {}): Destination<unknown> {
  const cmd = [...command];
  return {
    configSchema: z.unknown(),
    spec: () => runConnector(cmd, 'spec', {}, options),
    check: ({ config }) => runConnector(cmd, 'check', { config }, options),
    write: ({ config, catalog }, messages) => runConnector(cmd, 'write', { config, catalog }, options, messages),
  };
}
