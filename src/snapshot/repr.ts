// A short Python-like rendering of a graph node, for evidence text (unsafe calls, tree leaves).
// Bounded by a character budget and a depth limit, so hostile or huge graphs stay cheap; shared
// and cyclic nodes print as `...` the second time they are met on the current branch.
import type { NodeId, SnapshotGraph } from './graph.js';

export interface ReprOptions {
  /** Maximum characters (default 120); longer output ends with `…`. */
  max?: number;
  /** Maximum nesting depth (default 4). */
  depth?: number;
}

const ESC: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function quotePy(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ESC[ch]) out += ESC[ch];
    else if (ch === q) out += `\\${q}`;
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

export function bytesRepr(b: Uint8Array, prefix: string): string {
  let s = '';
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c === 0x27) s += "\\'";
    else if (c === 0x0a) s += '\\n';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${prefix}'${s}'`;
}

export function floatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v);
}

/** Render node `id` of `graph` as Python-like text. */
export function reprNode(graph: SnapshotGraph, id: NodeId, opts: ReprOptions = {}): string {
  const max = opts.max ?? 120;
  const maxDepth = opts.depth ?? 4;
  const onPath = new Set<NodeId>();
  let budget = max + 1;

  const go = (n: NodeId, depth: number): string => {
    if (budget <= 0) return '';
    const node = graph.node(n);
    let s: string;
    switch (node.kind) {
      case 'none':
        s = 'None';
        break;
      case 'bool':
        s = node.value ? 'True' : 'False';
        break;
      case 'int':
        s = String(node.value);
        break;
      case 'float':
        s = floatRepr(node.value);
        break;
      case 'str':
        s = quotePy(node.value.length > max ? node.value.slice(0, max) : node.value);
        break;
      case 'bytes':
        s = bytesRepr(node.bytes.subarray(0, max), node.py2str ? '' : 'b');
        break;
      case 'bytearray':
        s = `bytearray(${bytesRepr(node.bytes.subarray(0, max), 'b')})`;
        break;
      case 'global':
        s = `${node.module}.${node.name}`;
        break;
      case 'ext':
        s = `<ext ${node.code}>`;
        break;
      case 'buffer':
        s = '<buffer>';
        break;
      default: {
        if (onPath.has(n) || depth >= maxDepth) return '...';
        onPath.add(n);
        s = compound(n, depth);
        onPath.delete(n);
      }
    }
    budget -= s.length;
    return s;
  };

  const seq = (ids: NodeId[], depth: number): string => {
    const parts: string[] = [];
    for (const x of ids) {
      if (budget <= 0) break;
      parts.push(go(x, depth + 1));
      budget -= 2;
    }
    return parts.join(', ');
  };

  const compound = (n: NodeId, depth: number): string => {
    const node = graph.node(n);
    switch (node.kind) {
      case 'list':
        return `[${seq(node.items, depth)}]`;
      case 'tuple':
        return node.items.length === 1 ? `(${seq(node.items, depth)},)` : `(${seq(node.items, depth)})`;
      case 'set':
        return `${node.frozen ? 'frozenset' : 'set'}([${seq(node.items, depth)}])`;
      case 'dict': {
        const parts: string[] = [];
        for (const [k, v] of node.entries) {
          if (budget <= 0) break;
          parts.push(`${go(k, depth + 1)}: ${go(v, depth + 1)}`);
          budget -= 4;
        }
        return `{${parts.join(', ')}}`;
      }
      case 'instance': {
        const c = graph.classOf(n);
        return `<${c ? `${c.module}.${c.name}` : '?'} instance>`;
      }
      case 'call': {
        const c = graph.classOf(n);
        const callee = c ? `${c.module}.${c.name}` : `(${go(node.callable, depth + 1)})`;
        const args = graph.node(node.args);
        const inner = args.kind === 'tuple' ? seq(args.items, depth) : `*${go(node.args, depth + 1)}`;
        return `${callee}(${inner})`;
      }
      case 'persid':
        return `persistent_id(${go(node.pid, depth + 1)})`;
      default:
        return `<${node.kind}>`;
    }
  };

  const text = go(id, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
