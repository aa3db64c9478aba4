/**
 * `syncbridge manifest graph <connector>`: the dependency graph of a manifest connector's entities —
 * the waves a run goes through, each entity's hard and soft dependencies, and any soft dependency
 * ignored to break a cycle — as text, a Mermaid flowchart or JSON.
 *
 * It reads code, not data: the registry is built as the engine builds its own (the built-in connectors,
 * manifest adapters run as manifest sources) without opening the database, so it works without one and
 * beside a running server.
 */
import { defineCommand } from 'citty';
import { BUILTIN_CONNECTORS, isManifestAdapter } from '../../connectors/index.ts';
import { ValidationError } from '../../protocol/errors.ts';
import { manifestGraph } from '../../sync/manifest/plan.ts';
import { createMemoryRateLimiter } from '../../sync/manifest/rate-limiter.ts';
import { isManifestSource, manifestSource } from '../../sync/manifest/source.ts';
import type { ConnectorRegistry } from '../../sync/stream-job.ts';
import { jsonArg, UsageError } from '../context.ts';
import { formatGraph, GRAPH_FORMATS, type GraphFormat, type ManifestGraphView } from '../manifest-graph-format.ts';

/** The connectors a pipeline may name, as the engine registers them (nothing here ever reads upstream). */
export function cliRegistry(): ConnectorRegistry {
  const limiter = createMemoryRateLimiter();
  return Object.fromEntries(Object.entries(BUILTIN_CONNECTORS).map(([name, c]) => [name, isManifestAdapter(c) ? manifestSource(c, { limiter }) : c])) as ConnectorRegistry;
}

export function manifestConnectorNames(registry: ConnectorRegistry): string[] {
  return Object.keys(registry).filter((name) => isManifestSource(registry[name]));
}

/** The graph of `connector`'s entities (all, or `entities` and nothing else); UsageError naming what is wrong. */
export function manifestGraphView(registry: ConnectorRegistry, connector: string, entities?: readonly string[]): ManifestGraphView {
  const names = manifestConnectorNames(registry);
  const known = names.length ? `manifest connectors: ${names.join(', ')}` : 'no manifest connector is registered';
  const source = Object.hasOwn(registry, connector) ? registry[connector] : undefined;
  if (!source) throw new UsageError(`unknown connector ${JSON.stringify(connector)}; ${known}`);
  if (!isManifestSource(source)) throw new UsageError(`connector ${JSON.stringify(connector)} is not a manifest connector (it has streams, not entities); ${known}`);
  try {
    return { connector, system: source.adapter.manifest.system, graph: manifestGraph(source, entities) };
  } catch (err) {
    // A selection the manifest refuses is a mistake in the arguments.
    if (err instanceof ValidationError) throw new UsageError(err.message.replace(/^streams: /, '--entities: '));
    throw err;
  }
}

function parseEntities(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new UsageError('--entities needs at least one entity name (a,b,c)');
  return names;
}

const graph = defineCommand({
  meta: { name: 'graph', description: "Print a manifest connector's entity dependency graph: waves in order, hard (→) and soft (~>) dependencies" },
  args: {
    connector: { type: 'positional', description: 'A registered manifest connector (e.g. pco)', required: true },
    format: { type: 'string', description: `Output: ${GRAPH_FORMATS.join(' | ')}`, default: 'text' },
    entities: { type: 'string', description: 'Only these entities, comma-separated (with their hard dependencies), as a pipeline would select them' },
    ...jsonArg,
  },
  run({ args }) {
    const format = args.format as GraphFormat;
    if (!GRAPH_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${GRAPH_FORMATS.join(', ')}, got ${JSON.stringify(args.format)}`);
    if (args.json && format !== 'json' && format !== 'text') throw new UsageError(`--json and --format ${format} disagree: pick one`);
    const view = manifestGraphView(cliRegistry(), args.connector, parseEntities(args.entities));
    process.stdout.write(`${formatGraph(view, args.json ? 'json' : format)}\n`);
  },
});

export default defineCommand({
  meta: { name: 'manifest', description: 'Inspect manifest connectors (entities and their dependencies)' },
  subCommands: { graph },
});
