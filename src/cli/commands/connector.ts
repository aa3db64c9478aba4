import { defineCommand } from 'citty';
import { serveConnector } from '../../protocol/serve.ts';
import { BUILTIN_CONNECTORS } from '../connectors.ts';
import { isManifestAdapter } from '../../connectors/index.ts';
import { createMemoryRateLimiter } from '../../sync/manifest/rate-limiter.ts';
import { manifestSource } from '../../sync/manifest/source.ts';
import { UsageError } from '../context.ts';

export default defineCommand({
  meta: {
    name: 'connector',
    description: `Run a built-in connector as an NDJSON subprocess (${Object.keys(BUILTIN_CONNECTORS).join(', ')}): messages on stdout, logs on stderr`,
  },
  args: {
    name: { type: 'positional', description: `Connector: ${Object.keys(BUILTIN_CONNECTORS).join(', ')}`, required: true },
    command: { type: 'positional', description: 'spec | check | discover | read (sources) | write (destinations)', required: true },
    config: { type: 'string', description: 'Path to the config JSON' },
    catalog: { type: 'string', description: 'Path to the configured catalog JSON (read, write)' },
    state: { type: 'string', description: 'Path to the state JSON (read)' },
  },
  async run({ rawArgs, args }) {
    const found = BUILTIN_CONNECTORS[args.name];
    if (!found) throw new UsageError(`unknown connector ${JSON.stringify(args.name)}; built in: ${Object.keys(BUILTIN_CONNECTORS).join(', ')}`);
    // Everything after the connector's name is the connector's own command line.
    const rest = rawArgs.slice(rawArgs.indexOf(args.name) + 1);
    // A manifest adapter runs as its source, its rate limit kept in this process.
    const connector = isManifestAdapter(found) ? manifestSource(found, { limiter: createMemoryRateLimiter() }) : found;
    const code = await serveConnector(connector as never, rest, process.stdin, process.stdout);
    if (code !== 0) process.exitCode = code;
  },
});
