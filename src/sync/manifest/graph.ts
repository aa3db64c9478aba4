/**
 * The dependency graph of a manifest's entities. Hard edges (Person before Address) must hold: a cycle
 * among them is an error naming its entities, and at run time they become job dependencies. Soft
 * edges (Campus before Person) only order: a cycle through a soft edge is broken at that edge, and
 * at run time they become priorities, never gates.
 *
 * `order` is a topological order of all entities honouring every hard edge and every soft edge that
 * was not broken; `levels` groups it into waves whose members have no edge between them and can run
 * in parallel. Ties are broken by name, so the same manifest always gives the same plan.
 */
import { ValidationError } from '../../protocol/errors.ts';

export interface EntityEdges {
  name: string;
  /** Entities that must sync successfully before this one. */
  hard: readonly string[];
  /** Entities that should sync before this one when possible. */
  soft: readonly string[];
}

export interface DependencyGraph {
  /** Every entity, dependencies first. */
  order: string[];
  /** `order` in waves: an entity's level is one more than the deepest entity it follows. */
  levels: string[][];
  /** Each entity's hard dependencies (direct). */
  hard: ReadonlyMap<string, readonly string[]>;
  /** Each entity's soft dependencies that were kept. */
  soft: ReadonlyMap<string, readonly string[]>;
  /** Soft edges dropped to break cycles, as [dependent, dependency]. */
  brokenSoftEdges: [string, string][];
}

export class DependencyGraphError extends ValidationError {
  readonly entities: string[];
  constructor(message: string, entities: string[]) {
    super(message, { detail: { entities } });
    this.entities = entities;
  }
}

export function buildDependencyGraph(entities: readonly EntityEdges[]): DependencyGraph {
  const names = new Set<string>();
  for (const e of entities) {
    if (names.has(e.name)) throw new DependencyGraphError(`entity "${e.name}" is declared twice`, [e.name]);
    names.add(e.name);
  }
  for (const e of entities) {
    for (const [kind, deps] of [['hard', e.hard], ['soft', e.soft]] as const) {
      for (const d of deps) {
        if (!names.has(d)) throw new DependencyGraphError(`entity "${e.name}" has a ${kind} dependency on unknown entity "${d}"`, [e.name, d]);
        if (d === e.name) throw new DependencyGraphError(`entity "${e.name}" depends on itself`, [e.name]);
      }
    }
  }
  const hard = new Map(entities.map((e) => [e.name, [...new Set(e.hard)].sort()]));
  const hardCycle = findCycle([...names].sort(), (n) => hard.get(n) ?? []);
  if (hardCycle) throw new DependencyGraphError(`hard dependencies form a cycle: ${[...hardCycle, hardCycle[0]].join(' → ')}`, hardCycle);

  // Soft edges a hard edge already implies are redundant; the rest are kept unless they close a cycle.
  const soft = new Map(entities.map((e) => [e.name, [...new Set(e.soft)].filter((d) => !hard.get(e.name)!.includes(d)).sort()]));
  const brokenSoftEdges: [string, string][] = [];
  for (;;) {
    const cycle = findCycle([...names].sort(), (n) => [...hard.get(n)!, ...soft.get(n)!]);
    if (!cycle) break;
    // The cycle has at least one soft edge (hard edges alone are acyclic): drop the first one found.
    const at = cycle.findIndex((from, i) => soft.get(from)!.includes(cycle[(i + 1) % cycle.length]!) && !hard.get(from)!.includes(cycle[(i + 1) % cycle.length]!));
    const from = cycle[at]!;
    const to = cycle[(at + 1) % cycle.length]!;
    soft.set(from, soft.get(from)!.filter((d) => d !== to));
    brokenSoftEdges.push([from, to]);
  }

  const deps = (n: string) => [...hard.get(n)!, ...soft.get(n)!];
  const level = new Map<string, number>();
  const levelOf = (n: string): number => {
    const known = level.get(n);
    if (known !== undefined) return known;
    const l = deps(n).reduce((max, d) => Math.max(max, levelOf(d) + 1), 0);
    level.set(n, l);
    return l;
  };
  const sorted = [...names].sort();
  for (const n of sorted) levelOf(n);
  const levels: string[][] = [];
  for (const n of sorted) (levels[level.get(n)!] ??= []).push(n);
  return { order: levels.flat(), levels, hard, soft, brokenSoftEdges };
}

/** A cycle in the graph as its nodes in edge order (each depends on the next), or undefined. */
function findCycle(nodes: readonly string[], edges: (n: string) => readonly string[]): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of edges(n)) {
      const s = state.get(d);
      if (s === 'open') return stack.slice(stack.indexOf(d));
      if (s === undefined) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of nodes) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return undefined;
}
