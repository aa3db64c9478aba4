/**
 * The dependency graph drawn as SVG: first as a pure renderer (one box per entity, one arrow per kept
 * edge, dependencies before dependents along the rank axis, hard solid and soft dashed, a dropped soft
 * edge dotted with its reason, status classes, escaping, accessibility, no style attributes for the
 * CSP), then on the pipeline and run pages of a manifest pipeline on both backends — coloured by the
 * latest run, refreshing in place while it runs — and absent for pipelines of plain sources.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createHttpApp } from '../../src/http/app.ts';
import { dependencyGraphSvg, graphPanel, layoutDependencyGraph, pipelineGraph, type EntityState } from '../../src/http/ui/dependency-graph.ts';
import type { ManifestAdapter } from '../../src/protocol/manifest.ts';
import { buildDependencyGraph, type EntityEdges } from '../../src/sync/manifest/graph.ts';
import { manifestGraph } from '../../src/sync/manifest/plan.ts';
import { createMemoryRateLimiter } from '../../src/sync/manifest/rate-limiter.ts';
import { manifestSource } from '../../src/sync/manifest/source.ts';
import { miniAdapter, miniStore, seedMini, type MiniStore } from '../fixtures/connectors/mini-manifest.ts';
import { discardDestination, secretCounterSource } from '../fixtures/connectors/ui-connectors.ts';
import { testBackends } from '../helpers/backends.ts';
import { testEngine, waitFor, type TestEngine } from '../helpers/engine.ts';
import { startWorker } from '../helpers/workers.ts';

const CSS = readFileSync(new URL('../../src/http/ui/static/app.css', import.meta.url), 'utf8');

interface DrawnNode {
  entity: string;
  status: string;
  records: number | undefined;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The entities drawn: status class, data-status, records and the box. */
function nodes(svg: string): DrawnNode[] {
  const re = /<g class="dg-node dg-status-(\w+)" data-entity="([^"]*)" data-status="(\w+)"(?: data-records="(\d+)")?>\s*<title>[^<]*<\/title>\s*<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g;
  return [...svg.matchAll(re)].map((m) => {
    expect(m[1], 'the class and data-status agree').toBe(m[3]);
    return { entity: m[2]!, status: m[3]!, records: m[4] === undefined ? undefined : Number(m[4]), x: Number(m[5]), y: Number(m[6]), width: Number(m[7]), height: Number(m[8]) };
  });
}

function edges(svg: string): { cls: string; from: string; to: string; kind: string; d: string; marker: string }[] {
  return [...svg.matchAll(/<path class="dg-edge dg-edge-(\w+)" data-from="([^"]*)" data-to="([^"]*)" data-kind="(\w+)" d="([^"]*)" marker-end="url\(#([^)]*)\)">/g)].map((m) => ({
    cls: m[1]!,
    from: m[2]!,
    to: m[3]!,
    kind: m[4]!,
    d: m[5]!,
    marker: m[6]!,
  }));
}

const render = async (entities: EntityEdges[], states: Record<string, EntityState> = {}, options: Parameters<typeof dependencyGraphSvg>[2] = {}) =>
  String(await dependencyGraphSvg(buildDependencyGraph(entities), new Map(Object.entries(states)), options));

const miniGraph = () => manifestGraph(manifestSource(miniAdapter(miniStore()), { limiter: createMemoryRateLimiter() }));

// A diamond with a tail, hard and soft mixed: a; b → a; c ~> a; d → b ~> c; e → d.
const DIAMOND: EntityEdges[] = [
  { name: 'e', hard: ['d'], soft: [] },
  { name: 'd', hard: ['b'], soft: ['c'] },
  { name: 'c', hard: [], soft: ['a'] },
  { name: 'b', hard: ['a'], soft: [] },
  { name: 'a', hard: [], soft: [] },
];

describe('the dependency graph as SVG', () => {
  test('the mini manifest: one box per entity, a solid arrow for the hard edge and a dashed one for the soft edge', async () => {
    const svg = String(await dependencyGraphSvg(miniGraph(), new Map()));
    expect(nodes(svg).map((n) => n.entity)).toEqual(['campus', 'person', 'address']);
    expect(svg.match(/<rect /g)).toHaveLength(3);
    const drawn = edges(svg);
    expect(drawn.map(({ from, to, kind, cls }) => ({ from, to, kind, cls }))).toEqual([
      { from: 'campus', to: 'person', kind: 'soft', cls: 'soft' },
      { from: 'person', to: 'address', kind: 'hard', cls: 'hard' },
    ]);
    // Hard solid, soft dashed: the stylesheet gives only soft edges a dash pattern.
    expect(CSS).toMatch(/\.dg-edge-soft \{[^}]*stroke-dasharray/);
    expect(CSS).not.toMatch(/\.dg-edge-hard \{[^}]*stroke-dasharray/);
    expect(CSS).toMatch(/\.dg-edge \{[^}]*stroke:/);
    // Every arrow has its head: a marker defined once, referenced by each edge.
    expect(svg).toContain('<marker id="dg-arrow"');
    expect(drawn.every((e) => e.marker === 'dg-arrow')).toBe(true);
    // The legend says in words what solid and dashed mean.
    expect(svg).toMatch(/legend-hard"><\/span> hard dependency/);
    expect(svg).toMatch(/legend-soft"><\/span> soft dependency/);
  });

  test.each(['LR', 'TB'] as const)('dependencies are laid out before their dependents along the rank axis (%s)', async (direction) => {
    const svg = await render(DIAMOND, {}, { direction });
    const at = new Map(nodes(svg).map((n) => [n.entity, n]));
    expect([...at.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    const start = (n: DrawnNode) => (direction === 'LR' ? n.x : n.y);
    const end = (n: DrawnNode) => (direction === 'LR' ? n.x + n.width : n.y + n.height);
    const drawn = edges(svg);
    expect(drawn).toHaveLength(5);
    for (const e of drawn) {
      // The whole dependency box ends before the dependent's begins.
      expect(end(at.get(e.from)!), `${e.from} before ${e.to}`).toBeLessThan(start(at.get(e.to)!));
      // The arrow runs from the dependency to the dependent along that axis.
      const points = [...e.d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => (direction === 'LR' ? Number(m[1]) : Number(m[2])));
      expect(points[0]!).toBeLessThan(points.at(-1)!);
      expect(points[0]!).toBeGreaterThanOrEqual(end(at.get(e.from)!) - 1);
      expect(points.at(-1)!).toBeLessThanOrEqual(start(at.get(e.to)!) + 1);
    }
    // No two boxes overlap, and all of them fit in the SVG's box.
    const size = /width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"/.exec(svg)!;
    const list = [...at.values()];
    for (const n of list) {
      expect(n.x + n.width).toBeLessThanOrEqual(Number(size[1]));
      expect(n.y + n.height).toBeLessThanOrEqual(Number(size[2]));
      for (const m of list) {
        if (m === n) continue;
        const apart = n.x + n.width <= m.x || m.x + m.width <= n.x || n.y + n.height <= m.y || m.y + m.height <= n.y;
        expect(apart, `${n.entity} and ${m.entity} overlap`).toBe(true);
      }
    }
    expect(svg).toContain(`data-direction="${direction}"`);
  });

  test('the layout is deterministic and follows the graph order', () => {
    const graph = buildDependencyGraph(DIAMOND);
    const first = layoutDependencyGraph(graph);
    expect(layoutDependencyGraph(graph)).toEqual(first);
    expect(first.nodes.map((n) => n.name)).toEqual(graph.order);
    expect(first.edges.filter((e) => e.kind === 'hard').map((e) => `${e.from}→${e.to}`).sort()).toEqual(['a→b', 'b→d', 'd→e']);
    expect(first.edges.filter((e) => e.kind === 'soft').map((e) => `${e.from}→${e.to}`).sort()).toEqual(['a→c', 'c→d']);
  });

  test('each entity carries its status as a class, with its records; unknown or missing statuses are drawn as "no status"', async () => {
    const svg = await render(
      [
        { name: 'p', hard: [], soft: [] },
        { name: 'r', hard: [], soft: [] },
        { name: 'rt', hard: [], soft: [] },
        { name: 's', hard: [], soft: [] },
        { name: 'f', hard: [], soft: [] },
        { name: 'd', hard: [], soft: [] },
        { name: 'c', hard: [], soft: [] },
        { name: 'odd', hard: [], soft: [] },
        { name: 'none', hard: [], soft: [] },
      ],
      {
        p: { status: 'pending', records: 0 },
        r: { status: 'running', records: 1234 },
        rt: { status: 'retrying', records: 5 },
        s: { status: 'succeeded', records: 57 },
        f: { status: 'failed', records: 3 },
        d: { status: 'dead' },
        c: { status: 'cancelled', records: 0 },
        odd: { status: 'exploded" onclick="x' },
      },
    );
    const by = Object.fromEntries(nodes(svg).map((n) => [n.entity, [n.status, n.records]]));
    expect(by).toEqual({
      p: ['pending', 0],
      r: ['running', 1234],
      rt: ['retrying', 5],
      s: ['succeeded', 57],
      f: ['failed', 3],
      d: ['dead', undefined],
      c: ['cancelled', 0],
      odd: ['none', undefined],
      none: ['none', undefined],
    });
    expect(svg).toContain('<text class="dg-meta" x="');
    expect(svg).toMatch(/>running · 1,234 records<\/text>/);
    expect(svg).toMatch(/>no status<\/text>/);
    // A status nobody knows is text only, escaped; never a class.
    expect(svg).not.toContain('onclick="x');
    // Every status has its colours in the stylesheet, and the legend names the ones on show.
    for (const s of ['pending', 'running', 'retrying', 'succeeded', 'failed', 'dead', 'cancelled']) {
      expect(CSS, s).toMatch(new RegExp(`\\.dg-status-${s} rect \\{[^}]*fill:`));
      expect(svg, s).toContain(`<li><span class="legend-swatch dg-status-${s}"></span> ${s}</li>`);
    }
    expect(svg).toContain('<li><span class="legend-swatch dg-status-none"></span> no status</li>');
  });

  test('a soft edge dropped to break a cycle is drawn dotted with its reason, and takes no part in the ranking', async () => {
    // person ~> campus and campus ~> person: one of the two goes.
    const graph = buildDependencyGraph([
      { name: 'campus', hard: [], soft: ['person'] },
      { name: 'person', hard: [], soft: ['campus'] },
      { name: 'address', hard: ['person'], soft: [] },
    ]);
    expect(graph.brokenSoftEdges).toHaveLength(1);
    const [dependent, dependency] = graph.brokenSoftEdges[0]!;
    const svg = String(await dependencyGraphSvg(graph, new Map()));
    const broken = edges(svg).filter((e) => e.kind === 'broken');
    expect(broken).toEqual([expect.objectContaining({ from: dependency, to: dependent, cls: 'broken' })]);
    expect(svg).toContain(`<title>${dependent} would follow ${dependency} (soft dependency), but that closes a cycle: ignored</title>`);
    expect(CSS).toMatch(/\.dg-edge-broken \{[^}]*stroke-dasharray/);
    expect(svg).toContain('legend-broken');
    // The kept edges still run dependencies first.
    const at = new Map(nodes(svg).map((n) => [n.entity, n]));
    for (const e of edges(svg).filter((x) => x.kind !== 'broken')) expect(at.get(e.from)!.x + at.get(e.from)!.width).toBeLessThan(at.get(e.to)!.x);
    // No broken edge, no dotted line in the legend.
    expect(await render(DIAMOND)).not.toContain('legend-broken');
  });

  test('names, statuses and the title are escaped everywhere: text, attributes and titles', async () => {
    const img = '<img src=x onerror=alert(1)>';
    const script = '"><script>alert(1)</script>';
    const svg = await render([{ name: img, hard: [], soft: [] }, { name: script, hard: [img], soft: [] }], { [img]: { status: 'succeeded', records: 1 }, [script]: { status: '<b>bold</b>' } }, { title: '<i>t</i>' });
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('<i>');
    expect(svg).toContain('data-entity="&lt;img src=x onerror=alert(1)&gt;"');
    expect(svg).toContain('data-entity="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(svg).toContain('>&lt;img src=x onerror=alert(1)&gt;</text>');
    expect(svg).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(svg).toContain('<title id="dg-title">&lt;i&gt;t&lt;/i&gt;</title>');
    expect(edges(svg)).toHaveLength(1);
    expect(nodes(svg)).toHaveLength(2);
  });

  test('it is an accessible image: role, a title and a description naming every entity and edge, and no style attributes', async () => {
    const svg = String(await dependencyGraphSvg(miniGraph(), new Map([['campus', { status: 'succeeded', records: 3 }]]), { id: 'g1', title: 'Dependency graph of mini-people' }));
    expect(svg).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="dep-graph-svg" role="img" aria-labelledby="g1-title g1-desc"/);
    expect(svg).toContain('<title id="g1-title">Dependency graph of mini-people</title>');
    const desc = /<desc id="g1-desc">([^<]*)<\/desc>/.exec(svg)?.[1];
    expect(desc).toContain('campus: succeeded · 3 records.');
    expect(desc).toContain('person: no status.');
    expect(desc).toContain('address needs person first (hard dependency');
    expect(desc).toContain('person follows campus when possible (soft dependency');
    expect(svg).toContain('<marker id="g1-arrow"');
    expect(svg).toContain('marker-end="url(#g1-arrow)"');
    expect(svg).toContain('<figcaption class="dep-graph-legend small">');
    expect(svg).not.toMatch(/\sstyle=/);
    expect(svg).not.toMatch(/\son\w+=/);
  });

  test('only a manifest source has a graph; a selection the manifest no longer has is a note, not a failed page', async () => {
    const registry = { mini: manifestSource(miniAdapter(miniStore()), { limiter: createMemoryRateLimiter() }), counter: secretCounterSource };
    const graph = pipelineGraph(registry, { source: { connector: 'mini', config: {} }, streams: ['person', 'address'] });
    expect(graph instanceof Error || graph === undefined ? graph : graph.order).toEqual(['person', 'address']);
    expect(pipelineGraph(registry, { source: { connector: 'counter', config: {} }, streams: ['alpha'] })).toBeUndefined();
    expect(pipelineGraph(registry, { source: { connector: 'gone', config: {} }, streams: ['alpha'] })).toBeUndefined();
    expect(pipelineGraph(registry, { source: { connector: 'toString', config: {} }, streams: ['alpha'] })).toBeUndefined();
    const stale = pipelineGraph(registry, { source: { connector: 'mini', config: {} }, streams: ['person', 'household<x>'] });
    expect(stale).toBeInstanceOf(Error);
    const note = String(await graphPanel(stale, new Map(), ''));
    expect(note).toContain('It cannot be drawn: streams: &quot;household&lt;x&gt;&quot; is not an entity of mini');
    expect(note).not.toContain('<svg');
    expect(graphPanel(undefined, new Map(), '')).toBe('');
  });

  test('a single entity is a graph too', async () => {
    const svg = await render([{ name: 'only', hard: [], soft: [] }], { only: { status: 'running', records: 0 } });
    expect(nodes(svg)).toEqual([expect.objectContaining({ entity: 'only', status: 'running', records: 0 })]);
    expect(edges(svg)).toEqual([]);
  });
});

/** A mini adapter whose person listing waits for `release()`: a run caught mid-way. */
function gatedAdapter(store: MiniStore): { adapter: ManifestAdapter<{ name: string }>; release: () => void } {
  const inner = miniAdapter(store);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    adapter: {
      ...inner,
      async listPage(params) {
        if (params.entity === 'person') await gate;
        return inner.listPage(params);
      },
    },
    release,
  };
}

describe.each(testBackends())('the dependency graph on the pipeline pages (%s)', (backend) => {
  let e: TestEngine;
  let store: MiniStore;
  let release: () => void;
  let request: (path: string) => Promise<{ status: number; headers: Headers; text: string }>;

  beforeEach(async () => {
    store = miniStore();
    seedMini(store, 24);
    const gated = gatedAdapter(store);
    release = gated.release;
    e = await testEngine(backend, {
      connectors: { mini: miniAdapter(store), gated: gated.adapter, counter: secretCounterSource, discard: discardDestination },
      runPollMs: 100,
      defaults: { maxRetries: 0 },
    });
    const app = createHttpApp({ db: e.db, jobs: e.jobs, pipelines: e.pipelines, jobTypes: Object.keys(e.handlers()) });
    request = async (path) => {
      const res = await app.request(path);
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
  });
  afterEach(async () => {
    release();
    await e.close();
  });

  const manifestPipeline = (name = 'mini-people', connector = 'mini') =>
    e.pipelines.create({ name, source: { connector, config: {} }, destination: { connector: 'canonical', config: {} }, streams: ['campus', 'person', 'address'], mode: 'incremental' });
  const finish = async (ref: string) => {
    const { job } = await e.pipelines.start(ref);
    await waitFor('the run job to end', async () => ['succeeded', 'failed', 'dead', 'cancelled'].includes((await e.jobs.get(job.id))?.status ?? ''), 30_000);
    return (await e.pipelines.runOfJob(job.id))!;
  };
  /** The live region with this id, up to the graph's closing tag. */
  const region = (text: string, id: string) => new RegExp(`<div id="${id}" data-live[^>]*>[\\s\\S]*?</figure>`).exec(text)?.[0] ?? '';

  test('after a run, the pipeline page and the run page draw the graph with each entity succeeded and its records', async () => {
    const p = await manifestPipeline();
    const before = await request(`/ui/pipelines/${p.id}`);
    expect(before.status).toBe(200);
    expect(before.text).toContain('<div id="pipeline-graph" data-live>');
    expect(before.text).toMatch(/Dependency graph <span class="muted small">not run yet<\/span>/);
    expect(nodes(before.text).map((n) => [n.entity, n.status])).toEqual([
      ['campus', 'none'],
      ['person', 'none'],
      ['address', 'none'],
    ]);

    await startWorker(e, { handlers: {}, concurrency: 4 });
    const run = await finish('mini-people');
    expect(run.status).toBe('succeeded');
    const expected = [
      { entity: 'campus', status: 'succeeded', records: 3 },
      { entity: 'person', status: 'succeeded', records: 24 },
      { entity: 'address', status: 'succeeded', records: 24 },
    ];

    const page = await request(`/ui/pipelines/${p.id}`);
    expect(page.headers.get('content-security-policy')).toContain("style-src 'self'");
    const graph = region(page.text, 'pipeline-graph');
    expect(graph).toContain('role="img"');
    expect(nodes(graph).map(({ entity, status, records }) => ({ entity, status, records }))).toEqual(expected);
    expect(edges(graph).map((x) => `${x.from} ${x.kind} ${x.to}`)).toEqual(['campus soft person', 'person hard address']);
    expect(page.text).toContain(`latest run <a href="/ui/runs/${run.id}">${run.id}</a> · succeeded`);
    expect(page.text).not.toMatch(/\sstyle=/);
    expect(page.text).not.toContain('data-refresh=');

    const runPage = await request(`/ui/runs/${run.id}`);
    expect(runPage.status).toBe(200);
    // Inside the run's live region, so it refreshes with the rest of the page.
    const inRun = region(runPage.text, 'run');
    expect(nodes(inRun).map(({ entity, status, records }) => ({ entity, status, records }))).toEqual(expected);
    expect(edges(inRun)).toHaveLength(2);
    expect(runPage.text).toContain(`Dependency graph <span class="muted small">run ${run.id} · succeeded</span>`);
    expect(runPage.text).not.toMatch(/\sstyle=/);
  });

  test('a failed hard dependency shows: its entity failed, its dependent cancelled, the rest succeeded', async () => {
    store.failEntity.add('person');
    await manifestPipeline();
    await startWorker(e, { handlers: {}, concurrency: 4 });
    const run = await finish('mini-people');
    expect(run.status).toBe('partial');
    for (const path of [`/ui/runs/${run.id}`, '/ui/pipelines/mini-people']) {
      const by = Object.fromEntries(nodes((await request(path)).text).map((n) => [n.entity, n.status]));
      expect(by, path).toEqual({ campus: 'succeeded', person: 'failed', address: 'cancelled' });
    }
  });

  test('while a run is going the graph shows it live — succeeded, running, pending — and both pages refresh in place', async () => {
    const p = await manifestPipeline('gated-people', 'gated');
    await startWorker(e, { handlers: {}, concurrency: 4 });
    const { job } = await e.pipelines.start(p.id);
    const run = await waitFor('the run', () => e.pipelines.runOfJob(job.id), 20_000);
    await waitFor('campus done and person started', async () => {
      const s = Object.fromEntries((await e.pipelines.run(run.id)).streams.map((x) => [x.stream, x.status]));
      return s.campus === 'succeeded' && s.person === 'running';
    }, 20_000);

    const live = await request(`/ui/runs/${run.id}`);
    expect(live.text).toContain('data-refresh="2"');
    const inRun = region(live.text, 'run');
    expect(Object.fromEntries(nodes(inRun).map((n) => [n.entity, n.status]))).toEqual({ campus: 'succeeded', person: 'running', address: 'pending' });
    const pipelinePage = await request(`/ui/pipelines/${p.id}`);
    expect(pipelinePage.text).toContain('data-refresh="2"');
    expect(Object.fromEntries(nodes(region(pipelinePage.text, 'pipeline-graph')).map((n) => [n.entity, n.status]))).toEqual({ campus: 'succeeded', person: 'running', address: 'pending' });

    release();
    await waitFor('the run to succeed', async () => (await e.pipelines.run(run.id)).status === 'succeeded', 30_000);
    const done = await request(`/ui/runs/${run.id}`);
    expect(done.text).not.toContain('data-refresh=');
    expect(nodes(region(done.text, 'run')).map((n) => n.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  test('pipelines of plain sources show no graph, before or after a run', async () => {
    const p = await e.pipelines.create({
      name: 'plain',
      source: { connector: 'counter', config: { token: 't', count: 10, page_size: 5 } },
      destination: { connector: 'discard', config: { password: 'p' } },
      streams: ['alpha', 'beta'],
      mode: 'full_refresh',
    });
    expect((await request(`/ui/pipelines/${p.id}`)).text).not.toContain('dep-graph');
    await startWorker(e, { handlers: {}, concurrency: 2 });
    const run = await finish('plain');
    expect(run.status).toBe('succeeded');
    for (const path of [`/ui/pipelines/${p.id}`, `/ui/runs/${run.id}`]) {
      const res = await request(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain('<svg');
      expect(res.text, path).not.toContain('Dependency graph');
      expect(res.text, path).not.toContain('pipeline-graph');
    }
  });
});
