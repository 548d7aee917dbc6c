// Object paths: one breadth-first search from the root, in edge order, computed once per graph
// and kept in typed arrays (parent and edge code per node). Iterative: depth costs no stack.
//
// Path steps (edges in this order for an instance: class, args, kwargs, attributes, state,
// list items, dict items):
//   .name                 attribute (a text key of the instance's state dict, or of its slots dict)
//   .<attr "a.b">         attribute whose name is no identifier (e.g. Twisted's version keys)
//   [3]                   list/tuple/set item, or an item APPENDed onto an instance
//   ['full'] [12] [(1, 'a')]  dict value under a key shown as a Python literal
//   .<key-object:N>       the key object of dict entry N (a key that is no literal)
//   .<key:N>              the value of dict entry N whose key is an object
//   .<cls> .<arg:N> .<kwargs> .<state>   an instance's class, constructor arguments, BUILD state
//   .<callable> .<args>   a REDUCE call's callable and argument tuple
//   .<pid>                a persistent id's payload
// A node the root does not reach (a dict's str key, a discarded args tuple) has the path
// `<unreachable #id>`.
import type { Edge, NodeId } from './graph.js';

export interface BfsSource {
  readonly root: NodeId;
  readonly nodeCount: number;
  /** Children of `id` in edge order, as edge codes. */
  edgeCodes(id: NodeId, out: number[]): void;
  edgeTarget(parent: NodeId, code: number): NodeId;
}

export interface Bfs {
  root: NodeId;
  /** Parent on the shortest path; -1 for the root, -2 for nodes the root does not reach. */
  parent: Int32Array;
  /** Edge code from the parent. */
  via: Int32Array;
}

export function computeBfs(g: BfsSource): Bfs {
  const n = g.nodeCount;
  const parent = new Int32Array(n).fill(-2);
  const via = new Int32Array(n);
  const queue = new Int32Array(n);
  const codes: number[] = [];
  if (g.root < 0 || g.root >= n) return { root: g.root, parent, via };
  parent[g.root] = -1;
  queue[0] = g.root;
  let head = 0;
  let tail = 1;
  while (head < tail) {
    const id = queue[head++]!;
    codes.length = 0;
    g.edgeCodes(id, codes);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      const to = g.edgeTarget(id, code);
      if (parent[to] !== -2) continue;
      parent[to] = id;
      via[to] = code;
      queue[tail++] = to;
    }
  }
  return { root: g.root, parent, via };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function edgeLabel(e: Edge): string {
  switch (e.via) {
    case 'attr':
      return IDENT.test(e.name) ? `.${e.name}` : `.<attr ${JSON.stringify(e.name)}>`;
    case 'index':
      return `[${e.index}]`;
    case 'key':
      return `[${e.key}]`;
    case 'value-of':
      return `.<key:${e.key}>`;
    case 'inner':
      return `.<${e.label}>`;
  }
}

/** `root…` for a node the root reaches; `<unreachable #id>` otherwise (e.g. a dict's str key). */
export function renderPath(bfs: Bfs, id: NodeId, edgeAt: (parent: NodeId, code: number) => Edge): string {
  if (bfs.parent[id] === -2) return `<unreachable #${id}>`;
  const parts: string[] = [];
  let cur = id;
  while (cur !== bfs.root) {
    const p = bfs.parent[cur]!;
    parts.push(edgeLabel(edgeAt(p, bfs.via[cur]!)));
    cur = p;
  }
  parts.push('root');
  parts.reverse();
  return parts.join('');
}
