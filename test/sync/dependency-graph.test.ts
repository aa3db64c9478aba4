/**
 * The dependency graph: order respects hard and soft edges; hard cycles are errors naming the
 * entities; cycles through soft edges are broken at a soft edge; unknown entities are named; the plan
 * is deterministic and groups independent entities into parallel waves.
 */
import { describe, expect, test } from 'vitest';
import { buildDependencyGraph, DependencyGraphError, type EntityEdges } from '../../src/sync/manifest/graph.ts';

const e = (name: string, hard: string[] = [], soft: string[] = []): EntityEdges => ({ name, hard, soft });
const before = (order: string[], a: string, b: string) => order.indexOf(a) < order.indexOf(b);

describe('dependency graph', () => {
  test('hard and soft edges order the entities; independent ones share a wave', () => {
    const g = buildDependencyGraph([
      e('address', ['person']),
      e('email', ['person']),
      e('person', [], ['campus', 'household']),
      e('household', [], ['campus']),
      e('campus'),
      e('tag'),
    ]);
    expect(before(g.order, 'person', 'address')).toBe(true);
    expect(before(g.order, 'person', 'email')).toBe(true);
    expect(before(g.order, 'campus', 'person')).toBe(true);
    expect(before(g.order, 'household', 'person')).toBe(true);
    expect(before(g.order, 'campus', 'household')).toBe(true);
    expect(g.levels).toEqual([['campus', 'tag'], ['household'], ['person'], ['address', 'email']]);
    expect(g.brokenSoftEdges).toEqual([]);
  });

  test('every edge holds for many random acyclic graphs', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const n = 2 + Math.floor(rnd() * 10);
      const names = Array.from({ length: n }, (_, i) => `e${i}`);
      // Edges only from later to earlier index: acyclic by construction; shuffle the declaration order.
      const list = names.map((name, i) => e(name, names.slice(0, i).filter(() => rnd() < 0.2), names.slice(0, i).filter(() => rnd() < 0.2)));
      list.sort(() => rnd() - 0.5);
      const g = buildDependencyGraph(list);
      expect(g.brokenSoftEdges).toEqual([]);
      for (const x of list) for (const d of [...x.hard, ...x.soft]) expect(before(g.order, d, x.name)).toBe(true);
      expect(new Set(g.order).size).toBe(n);
    }
  });

  test('a cycle of hard dependencies is an error naming its entities', () => {
    const build = () => buildDependencyGraph([e('a', ['c']), e('b', ['a']), e('c', ['b']), e('d')]);
    expect(build).toThrow(DependencyGraphError);
    expect(build).toThrow('hard dependencies form a cycle: a → c → b → a');
    try {
      build();
    } catch (err) {
      expect([...(err as DependencyGraphError).entities].sort()).toEqual(['a', 'b', 'c']);
      expect((err as DependencyGraphError).detail).toEqual({ entities: ['a', 'c', 'b'] });
    }
  });

  test('a cycle through a soft edge is broken at that edge, and hard edges still hold', () => {
    // person → household is hard; household → person soft: the soft one goes.
    const g = buildDependencyGraph([e('person', ['household']), e('household', [], ['person']), e('x', [], ['y']), e('y', [], ['x'])]);
    expect(g.brokenSoftEdges).toContainEqual(['household', 'person']);
    expect(before(g.order, 'household', 'person')).toBe(true);
    // A purely soft 2-cycle loses exactly one edge.
    expect(g.brokenSoftEdges.filter(([a]) => a === 'x' || a === 'y')).toHaveLength(1);
    expect(g.brokenSoftEdges).toHaveLength(2);
  });

  test('unknown entities, self-dependencies and duplicates are named', () => {
    expect(() => buildDependencyGraph([e('address', ['persn'])])).toThrow('entity "address" has a hard dependency on unknown entity "persn"');
    expect(() => buildDependencyGraph([e('person', [], ['campsu'])])).toThrow('soft dependency on unknown entity "campsu"');
    expect(() => buildDependencyGraph([e('a', ['a'])])).toThrow('entity "a" depends on itself');
    expect(() => buildDependencyGraph([e('a'), e('a')])).toThrow('entity "a" is declared twice');
  });

  test('the plan is the same whatever the declaration order', () => {
    const list = [e('d', ['b', 'c']), e('c', ['a']), e('b', ['a']), e('a')];
    const g1 = buildDependencyGraph(list);
    const g2 = buildDependencyGraph([...list].reverse());
    expect(g1.order).toEqual(g2.order);
    expect(g1.order).toEqual(['a', 'b', 'c', 'd']);
  });
});
