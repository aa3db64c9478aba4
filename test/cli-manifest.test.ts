/**
 * `syncbridge manifest graph`: the formatter as pure functions over the mini manifest and hand-made
 * graphs (waves with hard → and soft ~> dependencies, a Mermaid flowchart with --> and -.->, snake_case
 * JSON, ignored soft edges, awkward names), then the command as a script runs it — a real subprocess,
 * no database needed — against whichever manifest connectors are built in, and its refusals: a plain
 * connector, an unknown one, bad arguments (exit 2, one line, naming the manifest connectors).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { manifestConnectorNames, manifestGraphView } from '../src/cli/commands/manifest.ts';
import { formatGraph, graphJson, graphMermaid, graphText, type ManifestGraphView } from '../src/cli/manifest-graph-format.ts';
import { BUILTIN_CONNECTORS, isManifestAdapter } from '../src/connectors/index.ts';
import { buildDependencyGraph, type EntityEdges } from '../src/sync/manifest/graph.ts';
import { createMemoryRateLimiter } from '../src/sync/manifest/rate-limiter.ts';
import { manifestSource } from '../src/sync/manifest/source.ts';
import type { ConnectorRegistry } from '../src/sync/stream-job.ts';
import { miniAdapter, miniStore } from './fixtures/connectors/mini-manifest.ts';
import { counterSource } from './fixtures/connectors/counter-source.ts';

const MAIN = resolve(import.meta.dirname, '../src/cli/main.ts');
const DATA_DIR = join(tmpdir(), `syncbridge-manifest-cli-${process.pid}-never-created`);

const miniRegistry = (): ConnectorRegistry => ({
  mini: manifestSource(miniAdapter(miniStore()), { limiter: createMemoryRateLimiter() }),
  counter: counterSource,
});
const view = (entities: EntityEdges[], connector = 'demo', system = connector): ManifestGraphView => ({ connector, system, graph: buildDependencyGraph(entities) });

describe('manifest graph formatting', () => {
  test('text: the mini manifest in waves, dependencies first, hard → and soft ~> after each entity', () => {
    const mini = manifestGraphView(miniRegistry(), 'mini');
    expect(graphText(mini)).toBe(
      [
        'mini: 3 entities in 3 waves, dependencies first',
        '',
        'wave 1',
        '  campus',
        '',
        'wave 2',
        '  person   ~> campus',
        '',
        'wave 3',
        '  address  → person',
        '',
        'A → B: A waits for B to succeed (hard).  A ~> B: A runs after B when possible (soft).  One wave may run in parallel.',
      ].join('\n'),
    );
  });

  test('text: several dependencies of both kinds, parallel members of a wave, ignored soft edges, and the system when it differs', () => {
    const v = view(
      [
        { name: 'org', hard: [], soft: [] },
        { name: 'team', hard: [], soft: [] },
        { name: 'member', hard: ['org', 'team'], soft: ['x'] },
        { name: 'x', hard: [], soft: ['member'] },
        { name: 'y', hard: ['member'], soft: ['org'] },
      ],
      'crm',
      'acme-crm',
    );
    // member ~> x and x ~> member close a cycle: the graph drops the first soft edge it meets.
    expect(graphText(v)).toBe(
      [
        'crm (system acme-crm): 5 entities in 3 waves, dependencies first',
        '',
        'wave 1',
        '  org',
        '  team',
        '',
        'wave 2',
        '  member  → org, team',
        '',
        'wave 3',
        '  x       ~> member',
        '  y       → member  ~> org',
        '',
        'soft dependencies ignored (each would close a cycle):',
        '  member ~> x',
        '',
        'A → B: A waits for B to succeed (hard).  A ~> B: A runs after B when possible (soft).  One wave may run in parallel.',
      ].join('\n'),
    );
    // One entity, one wave: singular words.
    expect(graphText(view([{ name: 'only', hard: [], soft: [] }]))).toMatch(/^demo: 1 entity in 1 wave,/);
  });

  test('mermaid: a left-to-right flowchart, --> for hard and -.-> for soft edges, dependencies on the left', () => {
    expect(graphMermaid(manifestGraphView(miniRegistry(), 'mini'))).toBe(
      [
        'flowchart LR',
        '  %% mini: arrows run from a dependency to the entity that needs it',
        '  campus["campus"]',
        '  person["person"]',
        '  address["address"]',
        '  campus -.-> person',
        '  person --> address',
      ].join('\n'),
    );
  });

  test('mermaid: names Mermaid would misread get safe ids and escaped labels; ignored soft edges are comments', () => {
    const out = graphMermaid(
      view([
        { name: 'end', hard: [], soft: [] },
        { name: 'line "item"', hard: ['end'], soft: ['a<b>'] },
        { name: 'a<b>', hard: [], soft: ['line "item"'] },
      ]),
    );
    const lines = out.split('\n');
    expect(lines[0]).toBe('flowchart LR');
    // The id is the name when safe, else entity_<n>; no quote or angle bracket survives raw in a label.
    expect(out).toMatch(/ {2}entity_\d+\["end"\]/);
    expect(out).toMatch(/ {2}entity_\d+\["line #quot;item#quot;"\]/);
    expect(out).toMatch(/ {2}entity_\d+\["a#lt;b#gt;"\]/);
    expect(out).not.toMatch(/^ {2}end\b/m);
    const edges = lines.filter((l) => / (-->|-\.->) /.test(l) && !l.includes('%%'));
    expect(edges.filter((l) => l.includes(' --> '))).toHaveLength(1);
    expect(edges.filter((l) => l.includes(' -.-> '))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('  %% ignored (closes a cycle):'))).toHaveLength(1);
    for (const l of edges) expect(l).toMatch(/^ {2}entity_\d+ (-->|-\.->) entity_\d+$/);
  });

  test('json: snake_case, every entity with its 1-based wave and dependencies, the waves, and ignored soft edges', () => {
    const mini = manifestGraphView(miniRegistry(), 'mini');
    expect(graphJson(mini)).toEqual({
      connector: 'mini',
      system: 'mini',
      entities: [
        { name: 'campus', wave: 1, hard: [], soft: [] },
        { name: 'person', wave: 2, hard: [], soft: ['campus'] },
        { name: 'address', wave: 3, hard: ['person'], soft: [] },
      ],
      waves: [['campus'], ['person'], ['address']],
      broken_soft_edges: [],
    });
    expect(JSON.parse(formatGraph(mini, 'json'))).toEqual(graphJson(mini));
    const cyclic = graphJson(view([{ name: 'a', hard: [], soft: ['b'] }, { name: 'b', hard: [], soft: ['a'] }]));
    expect(cyclic.broken_soft_edges).toHaveLength(1);
    expect(cyclic.entities.flatMap((e) => e.soft)).toHaveLength(1);
  });

  test('--entities selects as a pipeline does: a subset keeps its edges, a missing hard dependency or unknown entity is a usage error', () => {
    const registry = miniRegistry();
    expect(graphJson(manifestGraphView(registry, 'mini', ['person', 'address'])).entities).toEqual([
      { name: 'person', wave: 1, hard: [], soft: [] },
      { name: 'address', wave: 2, hard: ['person'], soft: [] },
    ]);
    expect(() => manifestGraphView(registry, 'mini', ['address'])).toThrow(/^--entities: "address" needs "person" \(a hard dependency\): select it too$/);
    expect(() => manifestGraphView(registry, 'mini', ['people'])).toThrow(/--entities: "people" is not an entity of mini \(entities: campus, person, address\)/);
    expect(() => manifestGraphView(registry, 'counter')).toThrow(/^connector "counter" is not a manifest connector .*; manifest connectors: mini$/);
    expect(() => manifestGraphView(registry, 'nope')).toThrow(/^unknown connector "nope"; manifest connectors: mini$/);
    expect(() => manifestGraphView({ counter: counterSource }, 'counter')).toThrow(/no manifest connector is registered$/);
    expect(manifestConnectorNames(registry)).toEqual(['mini']);
  });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cli = (args: string[]) =>
  new Promise<CliResult>((done) => {
    // No database: the command reads code only, so it never creates the data directory.
    const env = { ...process.env, DATABASE_URL: '', SYNCBRIDGE_DATA_DIR: DATA_DIR, LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });

// The manifest adapters built in right now (Planning Center once it is registered), as the CLI sees them.
const BUILTIN_MANIFESTS = Object.entries(BUILTIN_CONNECTORS)
  .filter(([, c]) => isManifestAdapter(c))
  .map(([name]) => name);
const builtinRegistry = (): ConnectorRegistry =>
  Object.fromEntries(Object.entries(BUILTIN_CONNECTORS).map(([name, c]) => [name, isManifestAdapter(c) ? manifestSource(c, { limiter: createMemoryRateLimiter() }) : c])) as ConnectorRegistry;

describe('the syncbridge CLI: manifest graph', () => {
  afterAll(() => {
    expect(existsSync(DATA_DIR), 'the command opened a database').toBe(false);
  });

  test('--help works on manifest and manifest graph, and the top-level help lists the command', async () => {
    for (const args of [['manifest', '--help'], ['manifest', 'graph', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/USAGE/);
    }
    const graphHelp = (await cli(['manifest', 'graph', '--help'])).stdout;
    expect(graphHelp).toMatch(/--format/);
    expect(graphHelp).toMatch(/--entities/);
    expect(graphHelp).toMatch(/--json/);
    expect((await cli(['--help'])).stdout).toMatch(/manifest/);
  });

  test('a connector that is not a manifest connector (stripe) is refused with exit 2 and one line naming the manifest connectors', async () => {
    const r = await cli(['manifest', 'graph', 'stripe']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('connector "stripe" is not a manifest connector');
    expect(lines[0]).toContain(BUILTIN_MANIFESTS.length ? `manifest connectors: ${BUILTIN_MANIFESTS.join(', ')}` : 'no manifest connector is registered');
  });

  test('usage mistakes exit 2 with one line: no connector, an unknown one, a bad --format, an empty --entities', async () => {
    const someManifest = BUILTIN_MANIFESTS[0] ?? 'stripe';
    for (const [args, message] of [
      [['manifest', 'graph'], /CONNECTOR/],
      [['manifest', 'graph', 'nope'], /unknown connector "nope"/],
      // Checked before the connector: the same answer whichever connector is named.
      [['manifest', 'graph', someManifest, '--format', 'dot'], /--format must be one of text, mermaid, json, got "dot"/],
      [['manifest', 'graph', someManifest, '--entities', ','], /--entities needs at least one entity/],
      [['manifest', 'graph', someManifest, '--json', '--format', 'mermaid'], /--json and --format mermaid disagree/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  test(`each built-in manifest connector prints its graph in all three formats (${BUILTIN_MANIFESTS.join(', ')})`, async () => {
    // pco ships built in: this must never quietly test nothing.
    expect(BUILTIN_MANIFESTS).toContain('pco');
    const registry = builtinRegistry();
    for (const name of BUILTIN_MANIFESTS) {
      const expected = manifestGraphView(registry, name);
      const text = await cli(['manifest', 'graph', name]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toBe(`${graphText(expected)}\n`);
      expect(text.stdout).toMatch(/^wave 1$/m);

      const mermaid = await cli(['manifest', 'graph', name, '--format', 'mermaid']);
      expect(mermaid.code, mermaid.stderr).toBe(0);
      expect(mermaid.stdout).toBe(`${graphMermaid(expected)}\n`);
      expect(mermaid.stdout.startsWith('flowchart LR\n')).toBe(true);

      for (const args of [['--format', 'json'], ['--json']]) {
        const json = await cli(['manifest', 'graph', name, ...args]);
        expect(json.code, json.stderr).toBe(0);
        const parsed = JSON.parse(json.stdout);
        expect(parsed).toEqual(graphJson(expected));
        // Waves really are dependencies first.
        const wave = new Map<string, number>(parsed.entities.map((e: { name: string; wave: number }) => [e.name, e.wave]));
        for (const e of parsed.entities) for (const d of [...e.hard, ...e.soft]) expect(wave.get(d)!).toBeLessThan(e.wave);
      }

      // --entities: the first wave alone needs nothing else; an unknown entity is a usage error.
      const first = expected.graph.levels[0]!;
      const subset = await cli(['manifest', 'graph', name, '--entities', first.join(','), '--json']);
      expect(subset.code, subset.stderr).toBe(0);
      expect(JSON.parse(subset.stdout).waves).toEqual([first]);
      const unknown = await cli(['manifest', 'graph', name, '--entities', 'no_such_entity']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/--entities: "no_such_entity" is not an entity of/);
    }
  });
});
