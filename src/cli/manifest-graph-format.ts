/**
 * A manifest's dependency graph for the terminal (`syncbridge manifest graph`): the waves in order with
 * each entity's dependencies as text, a Mermaid flowchart, or JSON (snake_case, like the API). Pure:
 * the graph comes from sync/manifest, already ordered, so the same manifest always prints the same.
 */
import type { DependencyGraph } from '../sync/manifest/graph.ts';

export interface ManifestGraphView {
  /** The name the connector is registered under. */
  connector: string;
  /** The manifest's own system name. */
  system: string;
  graph: DependencyGraph;
}

export const GRAPH_FORMATS = ['text', 'mermaid', 'json'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface ManifestGraphJson {
  connector: string;
  system: string;
  /** Every entity, dependencies first, with its wave (1-based) and direct dependencies. */
  entities: { name: string; wave: number; hard: string[]; soft: string[] }[];
  /** The entities of each wave; the members of one wave may sync in parallel. */
  waves: string[][];
  /** Soft dependencies ignored because they would close a cycle. */
  broken_soft_edges: { entity: string; dependency: string }[];
}

export function graphJson(view: ManifestGraphView): ManifestGraphJson {
  const { graph } = view;
  const wave = new Map(graph.levels.flatMap((names, i) => names.map((n) => [n, i + 1] as const)));
  return {
    connector: view.connector,
    system: view.system,
    entities: graph.order.map((name) => ({ name, wave: wave.get(name)!, hard: [...(graph.hard.get(name) ?? [])], soft: [...(graph.soft.get(name) ?? [])] })),
    waves: graph.levels.map((names) => [...names]),
    broken_soft_edges: graph.brokenSoftEdges.map(([entity, dependency]) => ({ entity, dependency })),
  };
}

/**
 * The waves in order, each entity with its hard (→) and soft (~>) dependencies:
 *
 *     wave 2
 *       address  → person  ~> campus
 */
export function graphText(view: ManifestGraphView): string {
  const { graph } = view;
  const n = graph.order.length;
  const width = Math.max(0, ...graph.order.map((name) => name.length));
  const system = view.system === view.connector ? '' : ` (system ${view.system})`;
  const lines = [`${view.connector}${system}: ${n} ${n === 1 ? 'entity' : 'entities'} in ${graph.levels.length} ${graph.levels.length === 1 ? 'wave' : 'waves'}, dependencies first`];
  graph.levels.forEach((names, i) => {
    lines.push('', `wave ${i + 1}`);
    for (const name of names) {
      const hard = graph.hard.get(name) ?? [];
      const soft = graph.soft.get(name) ?? [];
      const deps = [hard.length ? `→ ${hard.join(', ')}` : '', soft.length ? `~> ${soft.join(', ')}` : ''].filter(Boolean).join('  ');
      lines.push(deps ? `  ${name.padEnd(width)}  ${deps}` : `  ${name}`);
    }
  });
  if (graph.brokenSoftEdges.length > 0) {
    lines.push('', 'soft dependencies ignored (each would close a cycle):');
    for (const [entity, dependency] of graph.brokenSoftEdges) lines.push(`  ${entity} ~> ${dependency}`);
  }
  lines.push('', 'A → B: A waits for B to succeed (hard).  A ~> B: A runs after B when possible (soft).  One wave may run in parallel.');
  return lines.join('\n');
}

// Words Mermaid reads as syntax where a node id is expected.
const MERMAID_RESERVED = new Set(['end', 'graph', 'flowchart', 'subgraph', 'style', 'class', 'classdef', 'click', 'linkstyle', 'default', 'direction', 'call', 'href']);

/** A flowchart, dependencies on the left: `-->` a hard dependency, `-.->` a soft one. */
export function graphMermaid(view: ManifestGraphView): string {
  const { graph } = view;
  const ids = new Map(graph.order.map((name, i) => [name, /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !MERMAID_RESERVED.has(name.toLowerCase()) ? name : `entity_${i + 1}`]));
  const id = (name: string) => ids.get(name)!;
  const lines = ['flowchart LR', `  %% ${view.connector}: arrows run from a dependency to the entity that needs it`];
  for (const name of graph.order) lines.push(`  ${id(name)}["${mermaidText(name)}"]`);
  for (const name of graph.order) {
    for (const dep of graph.hard.get(name) ?? []) lines.push(`  ${id(dep)} --> ${id(name)}`);
    for (const dep of graph.soft.get(name) ?? []) lines.push(`  ${id(dep)} -.-> ${id(name)}`);
  }
  for (const [entity, dependency] of graph.brokenSoftEdges) lines.push(`  %% ignored (closes a cycle): ${id(dependency)} -.-> ${id(entity)}`);
  return lines.join('\n');
}

/** A label inside ["…"]: Mermaid's entity codes for what would end or mark it up. */
function mermaidText(s: string): string {
  return s.replace(/[#"<>&]/g, (c) => ({ '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '&': '#amp;' })[c]!);
}

export function formatGraph(view: ManifestGraphView, format: GraphFormat): string {
  if (format === 'json') return JSON.stringify(graphJson(view), null, 2);
  return format === 'mermaid' ? graphMermaid(view) : graphText(view);
}
