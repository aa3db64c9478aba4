/**
 * A manifest pipeline's dependency graph as an inline SVG, laid out by dagre on the server: one rounded
 * box per selected entity (its name, status and records), a solid arrow per hard dependency, a dashed
 * one per soft dependency, a dotted one per soft edge dropped to break a cycle. Arrows run from a
 * dependency to what depends on it, so dependencies come first along the rank axis.
 *
 * The UI's CSP forbids style attributes: geometry is written as SVG attributes, colours come from the
 * stylesheet through `dg-status-*` classes. Every name passes through `html`, so it is escaped.
 */
import dagre from '@dagrejs/dagre';
import { html } from 'hono/html';
import type { Pipeline } from '../../sync/pipeline-store.ts';
import type { DependencyGraph } from '../../sync/manifest/graph.ts';
import { manifestGraph } from '../../sync/manifest/plan.ts';
import { isManifestSource } from '../../sync/manifest/source.ts';
import type { ConnectorRegistry } from '../../sync/stream-job.ts';
import { count, type Html } from './format.ts';

/** The states an entity is drawn in; anything else (or nothing: not in the run) is drawn as "none". */
export const ENTITY_STATUSES = ['pending', 'running', 'retrying', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export type EntityStatus = (typeof ENTITY_STATUSES)[number] | 'none';

export interface EntityState {
  status: string;
  records?: number | undefined;
}

export type Direction = 'LR' | 'TB';

export interface LaidOutNode {
  name: string;
  /** Top-left corner and size. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export type EdgeKind = 'hard' | 'soft' | 'broken';

export interface LaidOutEdge {
  /** The dependency: the arrow starts here. */
  from: string;
  /** The entity that depends on it: the arrow ends here. */
  to: string;
  kind: EdgeKind;
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  width: number;
  height: number;
  direction: Direction;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

const NODE_HEIGHT = 46;
const MIN_WIDTH = 112;
const PADDING_X = 24;
// No font metrics on the server: generous average widths of a character of the name (13px, bold) and
// of the status line (11px).
const NAME_CHAR = 8;
const META_CHAR = 6.4;

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Positions for every entity and edge; `meta` is the line under each name (it widens the box). Broken
 * soft edges take no part in the ranking: they are drawn straight afterwards.
 */
export function layoutDependencyGraph(graph: DependencyGraph, direction: Direction = 'LR', meta: (name: string) => string = () => ''): GraphLayout {
  const g = new dagre.graphlib.Graph<Record<string, unknown>, { width: number; height: number; x?: number; y?: number }, { points?: { x: number; y: number }[] }>();
  g.setGraph({ rankdir: direction, nodesep: 24, ranksep: 56, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const name of graph.order) {
    const text = Math.max(name.length * NAME_CHAR, meta(name).length * META_CHAR);
    g.setNode(name, { width: Math.max(MIN_WIDTH, Math.ceil(PADDING_X + text)), height: NODE_HEIGHT });
  }
  const kinds: { from: string; to: string; kind: EdgeKind }[] = [];
  for (const name of graph.order) {
    for (const dep of graph.hard.get(name) ?? []) kinds.push({ from: dep, to: name, kind: 'hard' });
    for (const dep of graph.soft.get(name) ?? []) kinds.push({ from: dep, to: name, kind: 'soft' });
  }
  // Hard edges weigh more: dagre keeps them shorter and straighter than soft ones.
  for (const e of kinds) g.setEdge(e.from, e.to, { weight: e.kind === 'hard' ? 2 : 1 });
  dagre.layout(g);

  const nodes = graph.order.map((name): LaidOutNode => {
    const n = g.node(name);
    return { name, x: round(n.x! - n.width / 2), y: round(n.y! - n.height / 2), width: n.width, height: n.height };
  });
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const edges: LaidOutEdge[] = kinds.map((e) => ({ ...e, points: (g.edge(e.from, e.to).points ?? []).map((p: { x: number; y: number }) => ({ x: round(p.x), y: round(p.y) })) }));
  for (const [dependent, dependency] of graph.brokenSoftEdges) {
    const a = byName.get(dependency);
    const b = byName.get(dependent);
    if (a && b) edges.push({ from: dependency, to: dependent, kind: 'broken', points: [border(a, centre(b)), border(b, centre(a))] });
  }
  const size = g.graph();
  return { width: Math.ceil(Number(size.width ?? 0)), height: Math.ceil(Number(size.height ?? 0)), direction, nodes, edges };
}

const centre = (n: LaidOutNode) => ({ x: n.x + n.width / 2, y: n.y + n.height / 2 });

/** Where the line from the node's centre towards `to` leaves its box. */
function border(n: LaidOutNode, to: { x: number; y: number }): { x: number; y: number } {
  const c = centre(n);
  const dx = to.x - c.x;
  const dy = to.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const scale = Math.abs(dy) * n.width > Math.abs(dx) * n.height ? n.height / 2 / Math.abs(dy) : n.width / 2 / Math.abs(dx);
  return { x: round(c.x + dx * scale), y: round(c.y + dy * scale) };
}

export function statusClass(status: string | undefined): EntityStatus {
  return (ENTITY_STATUSES as readonly string[]).includes(status ?? '') ? (status as EntityStatus) : 'none';
}

const NO_STATUS = 'no status';

function stateLine(state: EntityState | undefined): string {
  if (!state) return NO_STATUS;
  return state.records === undefined ? state.status : `${state.status} · ${count(state.records)} records`;
}

const EDGE_WORDS: Record<EdgeKind, (from: string, to: string) => string> = {
  hard: (from, to) => `${to} needs ${from} first (hard dependency: it waits for ${from} to succeed)`,
  soft: (from, to) => `${to} follows ${from} when possible (soft dependency: never blocks)`,
  broken: (from, to) => `${to} would follow ${from} (soft dependency), but that closes a cycle: ignored`,
};

const path = (points: { x: number; y: number }[]) => points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');

export interface GraphOptions {
  /** Prefix of the ids inside the SVG (marker, title): unique per page. Default "dg". */
  id?: string;
  direction?: Direction;
  /** The SVG's accessible name. */
  title?: string;
}

/** The graph as an inline SVG with a text legend, each entity coloured by its state in `states`. */
export function dependencyGraphSvg(graph: DependencyGraph, states: ReadonlyMap<string, EntityState>, options: GraphOptions = {}): Html {
  const id = options.id ?? 'dg';
  const layout = layoutDependencyGraph(graph, options.direction ?? 'LR', (name) => stateLine(states.get(name)));
  const title = options.title ?? `Dependency graph of ${graph.order.length} ${graph.order.length === 1 ? 'entity' : 'entities'}`;
  const desc = layout.nodes.map((n) => `${n.name}: ${stateLine(states.get(n.name))}.`).concat(layout.edges.map((e) => `${EDGE_WORDS[e.kind](e.from, e.to)}.`)).join(' ');
  const kindsShown = new Set(layout.edges.map((e) => e.kind));
  const statusesShown = [...ENTITY_STATUSES, 'none' as const].filter((s) => layout.nodes.some((n) => statusClass(states.get(n.name)?.status) === s));

  const edge = (e: LaidOutEdge) =>
    html`<path class="dg-edge dg-edge-${e.kind}" data-from="${e.from}" data-to="${e.to}" data-kind="${e.kind}" d="${path(e.points)}" marker-end="url(#${id}-arrow)"><title>${EDGE_WORDS[e.kind](e.from, e.to)}</title></path>`;
  const node = (n: LaidOutNode) => {
    const state = states.get(n.name);
    const status = statusClass(state?.status);
    const cx = round(n.x + n.width / 2);
    return html`<g class="dg-node dg-status-${status}" data-entity="${n.name}" data-status="${status}"${state?.records === undefined ? '' : html` data-records="${state.records}"`}>
      <title>${n.name}: ${stateLine(state)}</title>
      <rect x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="6" ry="6"></rect>
      <text class="dg-name" x="${cx}" y="${round(n.y + 19)}" text-anchor="middle">${n.name}</text>
      <text class="dg-meta" x="${cx}" y="${round(n.y + 36)}" text-anchor="middle">${stateLine(state)}</text>
    </g>`;
  };

  return html`<figure class="dep-graph" data-direction="${layout.direction}">
    <div class="dep-graph-scroll">
      <svg xmlns="http://www.w3.org/2000/svg" class="dep-graph-svg" role="img" aria-labelledby="${id}-title ${id}-desc" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">
        <title id="${id}-title">${title}</title>
        <desc id="${id}-desc">${desc}</desc>
        <defs>
          <marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path class="dg-arrowhead" d="M0,0 L10,5 L0,10 z"></path>
          </marker>
        </defs>
        <g class="dg-edges">${layout.edges.map(edge)}</g>
        <g class="dg-nodes">${layout.nodes.map(node)}</g>
      </svg>
    </div>
    <figcaption class="dep-graph-legend small">
      <ul class="legend">
        <li><span class="legend-line legend-hard"></span> hard dependency: waits for it to succeed</li>
        <li><span class="legend-line legend-soft"></span> soft dependency: ordered first when possible, never blocks</li>
        ${kindsShown.has('broken') ? html`<li><span class="legend-line legend-broken"></span> soft dependency ignored: it would close a cycle</li>` : ''}
      </ul>
      <ul class="legend">
        ${statusesShown.map((s) => html`<li><span class="legend-swatch dg-status-${s}"></span> ${s === 'none' ? NO_STATUS : s}</li>`)}
      </ul>
    </figcaption>
  </figure>`;
}

/**
 * The dependency graph of a pipeline's selected entities when its source is a manifest source;
 * undefined otherwise. A manifest that no longer fits the pipeline (an entity renamed since) is an
 * Error to show, not a failed page.
 */
export function pipelineGraph(connectors: ConnectorRegistry, pipeline: Pick<Pipeline, 'source' | 'streams'>): DependencyGraph | Error | undefined {
  const source = Object.hasOwn(connectors, pipeline.source.connector) ? connectors[pipeline.source.connector] : undefined;
  if (!isManifestSource(source)) return undefined;
  try {
    return manifestGraph(source, pipeline.streams);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The graph's panel for a page: the SVG, a note when it cannot be drawn, or nothing for other pipelines. */
export function graphPanel(graph: DependencyGraph | Error | undefined, states: ReadonlyMap<string, EntityState>, caption: Html | string, options: GraphOptions = {}): Html | string {
  if (graph === undefined) return '';
  if (graph instanceof Error) return html`<section class="panel dep-graph-panel"><h2>Dependency graph</h2><p class="muted">It cannot be drawn: ${graph.message}</p></section>`;
  return html`<section class="panel dep-graph-panel"><h2>Dependency graph <span class="muted small">${caption}</span></h2>${dependencyGraphSvg(graph, states, options)}</section>`;
}
