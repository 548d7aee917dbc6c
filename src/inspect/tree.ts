// `rehearse inspect --tree`: an indented view of the object graph. Iterative (an explicit stack),
// so deep graphs do not overflow; a container met a second time prints `→ <path>` instead of
// repeating (which also makes cycles safe). Pure: graph in, text out.
import type { ChalkInstance } from 'chalk';
import type { Edge, NodeId, SnapshotGraph } from '../snapshot/graph.js';
import { reprNode } from '../snapshot/repr.js';
import { edgeLabel } from '../snapshot/paths.js';

export { edgeLabel };

export interface TreeOptions {
  /** Object path to start from (default: the root). */
  start?: string;
  /** Levels below the start to expand (default 4). */
  depth?: number;
  /** Children shown per node before `… N more` (default 100). */
  maxChildren?: number;
}

const MAX_INDENT = 40;

const SCALARS = new Set(['none', 'bool', 'int', 'float', 'str', 'bytes', 'bytearray', 'global', 'ext', 'buffer']);

/**
 * Find the node at `path` (`root.builds[0].steps[3]`): follow edges whose labels spell the path;
 * when labels do not line up (a path printed by another part), fall back to comparing pathOf.
 */
export function resolvePath(graph: SnapshotGraph, path: string): NodeId | undefined {
  const p = path.trim();
  if (p === '' || p === 'root') return graph.root;
  if (p.startsWith('root')) {
    let rest = p.slice(4);
    let cur = graph.root;
    while (rest.length) {
      let best: Edge | undefined;
      let bestLen = 0;
      for (const e of graph.edges(cur)) {
        const l = edgeLabel(e);
        // The longest label that is a prefix and ends at a step boundary.
        if (l.length > bestLen && rest.startsWith(l) && (rest.length === l.length || /^[.[]/.test(rest.slice(l.length)))) {
          best = e;
          bestLen = l.length;
        }
      }
      if (!best) break;
      cur = best.to;
      rest = rest.slice(bestLen);
    }
    if (!rest.length) return cur;
  }
  for (let id = 0; id < graph.nodeCount; id++) if (graph.pathOf(id) === p) return id;
  return undefined;
}

function describe(graph: SnapshotGraph, id: NodeId, c: ChalkInstance): string {
  const n = graph.node(id);
  switch (n.kind) {
    case 'list':
      return c.dim(`list (${n.items.length})`);
    case 'tuple':
      return c.dim(`tuple (${n.items.length})`);
    case 'set':
      return c.dim(`${n.frozen ? 'frozenset' : 'set'} (${n.items.length})`);
    case 'dict':
      return c.dim(`dict (${n.entries.length})`);
    case 'instance': {
      const k = graph.classOf(id);
      const state = graph.instanceState(id);
      return `${c.cyan(k ? `${k.module}.${k.name}` : '<computed class>')} ${c.dim(`${n.how}${state ? `, ${state.size} attrs` : n.state !== undefined ? ', custom state' : ''}`)}`;
    }
    case 'call': {
      const k = graph.classOf(id);
      return `${c.magenta(`call ${k ? `${k.module}.${k.name}` : reprNode(graph, n.callable, { max: 60 })}`)}`;
    }
    case 'persid':
      return c.dim(`persistent id ${reprNode(graph, n.pid, { max: 60 })}`);
    default:
      return reprNode(graph, id, { max: 100 });
  }
}

/**
 * An instance's header already names its class, and its attributes are listed one by one: the
 * `<cls>` edge and the `<state>` dict they come from would only repeat them.
 */
function visibleEdges(graph: SnapshotGraph, id: NodeId): Edge[] {
  const edges = graph.edges(id);
  const n = graph.node(id);
  if (n.kind !== 'instance' && n.kind !== 'call') return edges;
  const hasAttrs = n.kind === 'instance' && graph.instanceState(id) !== undefined;
  const headerTarget = n.kind === 'instance' ? n.cls : n.callable;
  return edges.filter((e) => {
    if (e.via !== 'inner') return true;
    if (e.to === headerTarget && graph.kind(e.to) === 'global') return false;
    if (hasAttrs && e.to === n.state && graph.kind(e.to) === 'dict') return false;
    return true;
  });
}

/** Render the tree. Throws Error with a readable message when `start` does not resolve. */
export function formatTree(graph: SnapshotGraph, c: ChalkInstance, opts: TreeOptions = {}): string {
  const maxDepth = opts.depth ?? 4;
  const maxChildren = opts.maxChildren ?? 100;
  const startPath = opts.start?.trim() || 'root';
  const start = resolvePath(graph, startPath);
  if (start === undefined) throw new Error(`no object at path ${startPath}`);
  const lines: string[] = [];
  const shown = new Set<NodeId>();
  type Item = { id: NodeId; label: string; depth: number } | { more: number; depth: number };
  const stack: Item[] = [{ id: start, label: startPath, depth: 0 }];
  while (stack.length) {
    const item = stack.pop()!;
    // Indentation stops growing after MAX_INDENT levels (a 100,000-deep chain would otherwise
    // print gigabytes of spaces); deeper lines carry their level number instead.
    const indent = item.depth <= MAX_INDENT ? '  '.repeat(item.depth) : `${'  '.repeat(MAX_INDENT)}(${item.depth}) `;
    if ('more' in item) {
      lines.push(`${indent}${c.dim(`… ${item.more} more`)}`);
      continue;
    }
    const { id, label, depth } = item;
    const kind = graph.kind(id);
    if (!SCALARS.has(kind) && shown.has(id)) {
      lines.push(`${indent}${label}: ${c.yellow(`→ ${graph.pathOf(id)}`)}`);
      continue;
    }
    const edges = SCALARS.has(kind) ? [] : visibleEdges(graph, id);
    const folded = edges.length > 0 && depth >= maxDepth;
    // A folded node is not "shown": met again higher up, it is expanded there.
    if (!folded) shown.add(id);
    lines.push(`${indent}${label}: ${describe(graph, id, c)}${folded ? c.dim(' …') : ''}`);
    if (folded || edges.length === 0) continue;
    const children: Item[] = edges.slice(0, maxChildren).map((e) => ({ id: e.to, label: edgeLabel(e), depth: depth + 1 }));
    if (edges.length > maxChildren) children.push({ more: edges.length - maxChildren, depth: depth + 1 });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return lines.join('\n') + '\n';
}
