/**
 * A manifest pipeline's run plan: the dependency graph of its selected entities gives the order, the
 * hard dependencies (job dependencies), and priorities from the graph's levels (earlier levels are
 * claimed first, which is how soft dependencies order without blocking); independent entities run in
 * parallel up to the configured limit.
 */
import { ValidationError } from '../../protocol/errors.ts';
import type { EntityDefinition } from '../../protocol/manifest.ts';
import type { StreamPlan } from '../run-job.ts';
import { buildDependencyGraph, type DependencyGraph } from './graph.ts';
import type { ManifestSource } from './source.ts';

/** The graph of the entities `selected` (all when undefined); a hard dependency left out is an error naming it. */
export function manifestGraph(source: ManifestSource, selected?: readonly string[]): DependencyGraph {
  const entities = source.adapter.manifest.entities as Record<string, EntityDefinition<string>>;
  const names = selected ?? Object.keys(entities);
  for (const name of names) {
    if (!entities[name]) throw new ValidationError(`streams: "${name}" is not an entity of ${source.adapter.manifest.system} (entities: ${Object.keys(entities).join(', ')})`, { detail: { field: 'streams' } });
    for (const dep of entities[name].dependsOn?.hard ?? []) {
      if (!names.includes(dep)) throw new ValidationError(`streams: "${name}" needs "${dep}" (a hard dependency): select it too`, { detail: { field: 'streams' } });
    }
  }
  return buildDependencyGraph(
    names.map((name) => ({
      name,
      hard: [...(entities[name]!.dependsOn?.hard ?? [])],
      // A soft dependency on an entity not selected has nothing to order against.
      soft: (entities[name]!.dependsOn?.soft ?? []).filter((d) => names.includes(d)),
    })),
  );
}

export function manifestPlan(source: ManifestSource, selected: readonly string[], concurrency: number): StreamPlan {
  const graph = manifestGraph(source, selected);
  const priority = new Map<string, number>();
  graph.levels.forEach((level, i) => {
    for (const name of level) priority.set(name, graph.levels.length - i);
  });
  return { order: graph.order, hard: graph.hard, priority, concurrency };
}
