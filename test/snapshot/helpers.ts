// Test helpers for the decoder: fixture paths, and the graph → expected-structure walk that
// mirrors test/fixtures/pickles/expected.py.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeId, SnapshotGraph } from '../../src/snapshot/graph.js';
import { decodePickle } from '../../src/snapshot/decoder.js';
import { reprFloat } from '../../src/snapshot/text.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'pickles');

export function fixture(rel: string): Uint8Array {
  return readFileSync(path.join(FIXTURES, rel));
}

export function decodeFixture(rel: string): SnapshotGraph {
  return decodePickle(fixture(rel), { file: rel });
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));
}

const BUILTINS = new Set(['builtins', '__builtin__']);

/** The expected-structure shape (see expected.py) of the graph below `id`. */
export function normalise(g: SnapshotGraph, id: NodeId, numbers = new Map<NodeId, number>()): unknown {
  const node = g.node(id);
  const number = (): number => {
    const n = numbers.size;
    numbers.set(id, n);
    return n;
  };
  const seen = numbers.get(id);
  switch (node.kind) {
    case 'none':
      return { t: 'none' };
    case 'bool':
      return { t: 'bool', v: node.value };
    case 'int':
      return { t: 'int', v: String(node.value) };
    case 'float':
      return { t: 'float', v: reprFloat(node.value) };
    case 'str':
      return { t: 'str', v: node.value };
    case 'bytes':
      return { t: 'bytes', hex: hex(node.bytes) };
    case 'tuple':
      if (node.items.length === 0) return { t: 'tuple', items: [] };
      break;
    default:
      break;
  }
  if (seen !== undefined) return { ref: seen };
  switch (node.kind) {
    case 'bytearray':
      return { t: 'bytearray', n: number(), hex: hex(node.bytes) };
    case 'list':
    case 'tuple': {
      const n = number();
      return { t: node.kind, n, items: node.items.map((i) => normalise(g, i, numbers)) };
    }
    case 'set': {
      const n = number();
      return { t: node.frozen ? 'frozenset' : 'set', n, items: node.items.map((i) => normalise(g, i, numbers)) };
    }
    case 'dict': {
      const n = number();
      return { t: 'dict', n, entries: node.entries.map(([k, v]) => [normalise(g, k, numbers), normalise(g, v, numbers)]) };
    }
    case 'instance': {
      const n = number();
      const c = g.classOf(id);
      const out: Record<string, unknown> = { t: 'instance', n, cls: c ? `${c.module}.${c.name}` : '?' };
      if (node.state !== undefined) out.state = normalise(g, node.state, numbers);
      return out;
    }
    case 'call': {
      const c = g.classOf(id);
      const args = g.node(node.args);
      const argItems = args.kind === 'tuple' ? args.items : [];
      if (c && BUILTINS.has(c.module)) {
        if (c.name === 'complex') {
          const [re, im] = argItems.map((i) => g.node(i));
          const f = (x: typeof re): string => (x && (x.kind === 'float' || x.kind === 'int') ? reprFloat(Number(x.value)) : '?');
          return { t: 'complex', re: f(re), im: f(im) };
        }
        if (c.name === 'bytes' && argItems.length === 0) return { t: 'bytes', hex: '' };
        if (c.name === 'set' || c.name === 'frozenset') {
          const n = number();
          const list = argItems[0] === undefined ? undefined : g.node(argItems[0]);
          const items = list && list.kind === 'list' ? list.items : [];
          return { t: c.name, n, items: items.map((i) => normalise(g, i, numbers)) };
        }
        if (c.name === 'bytearray') {
          const n = number();
          const first = argItems[0] === undefined ? undefined : g.node(argItems[0]);
          let bytes: Uint8Array = new Uint8Array(0);
          if (first?.kind === 'bytes') bytes = first.bytes;
          else if (first?.kind === 'str') bytes = latin1Bytes(first.value);
          else if (first?.kind === 'call') {
            // protocols 0-2: bytearray(_codecs.encode(text, 'latin1'))
            const inner = normalise(g, argItems[0]!, numbers) as { t: string; hex?: string };
            return { t: 'bytearray', n, hex: inner.t === 'bytes' ? inner.hex : '?' };
          }
          return { t: 'bytearray', n, hex: hex(bytes) };
        }
      }
      if (c && c.module === '_codecs' && c.name === 'encode') {
        const s = argItems[0] === undefined ? undefined : g.node(argItems[0]);
        return { t: 'bytes', hex: s?.kind === 'str' ? hex(latin1Bytes(s.value)) : '?' };
      }
      const n = number();
      const out: Record<string, unknown> = {
        t: 'call',
        n,
        callable: c ? `${c.module}.${c.name}` : '?',
        args: normalise(g, node.args, numbers),
      };
      if (node.state !== undefined) out.state = normalise(g, node.state, numbers);
      return out;
    }
    default:
      return { t: node.kind };
  }
}

/** The node at a chain of dict keys (str or int) from a dict. */
export function dictGet(g: SnapshotGraph, dict: NodeId, key: string | number): NodeId {
  const n = g.node(dict);
  if (n.kind !== 'dict') throw new Error(`not a dict: ${n.kind}`);
  for (const [k, v] of n.entries) {
    const kn = g.node(k);
    if (typeof key === 'number' && kn.kind === 'int' && kn.value === key) return v;
    if (typeof key === 'string' && g.text(k) === key && (kn.kind === 'str' || kn.kind === 'bytes')) return v;
  }
  throw new Error(`no key ${key}`);
}

/** Pickle bytes from opcode text (latin-1) and raw byte runs. */
export function bytes(...parts: Array<string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
