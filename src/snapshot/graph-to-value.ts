// A decoded graph (or a part of it) back to a writer value tree, so a snapshot, or a minimized
// piece of one, can be written again as a pickle (writer.ts). Shared nodes stay shared, cycles
// stay cycles. Iterative: every node gets a shell first, then its children are filled in.
import type { Node, NodeId, SnapshotGraph } from './graph.js';
import type { PyGlobal, PyValue } from './writer.js';

type Mutable = Exclude<PyValue, null | boolean | string>;

/** A scalar node as a writer value; undefined for nodes that hold others (or are no value). */
export function scalarValue(n: Node): PyValue | undefined {
  switch (n.kind) {
    case 'none':
      return null;
    case 'bool':
      return n.value;
    case 'int':
      return { kind: 'int', value: n.value };
    case 'float':
      return { kind: 'float', value: n.value };
    case 'str':
      return n.value;
    case 'bytes':
      return { kind: 'bytes', value: n.bytes, py2str: n.py2str };
    default:
      return undefined;
  }
}

/**
 * The value tree of `root` (default: the graph's root). Throws Error for what protocol 2 cannot
 * spell: EXT codes and out-of-band buffers (copyreg's registry and the buffers are not in the
 * file), and instances of a computed class.
 */
export function valueFromGraph(graph: SnapshotGraph, root: NodeId = graph.root): PyValue {
  const py2 = graph.info.python2Hints;
  const builtins = py2 ? '__builtin__' : 'builtins';
  const copyreg = py2 ? 'copy_reg' : 'copyreg';
  const made = new Map<NodeId, PyValue>();
  const todo: NodeId[] = [];

  const get = (id: NodeId): PyValue => {
    if (made.has(id)) return made.get(id)!;
    const v = shell(id);
    made.set(id, v);
    if (v !== null && typeof v === 'object' && v.kind !== 'global' && v.kind !== 'int' && v.kind !== 'float' && v.kind !== 'bytes') todo.push(id);
    return v;
  };
  const globalOf = (id: NodeId, what: string): PyGlobal => {
    const g = get(id);
    if (g === null || typeof g !== 'object' || g.kind !== 'global') throw new Error(`${what} at ${graph.pathOf(id)} is not a class reference`);
    return g;
  };

  function shell(id: NodeId): PyValue {
    const n = graph.node(id);
    switch (n.kind) {
      case 'none':
      case 'bool':
      case 'int':
      case 'float':
      case 'str':
      case 'bytes':
        return scalarValue(n)!;
      case 'bytearray':
        return { kind: 'call', callable: { kind: 'global', module: builtins, name: 'bytearray' }, args: [{ kind: 'bytes', value: n.bytes, py2str: py2 }] };
      case 'list':
        return { kind: 'list', items: [] };
      case 'tuple':
        return { kind: 'tuple', items: [] };
      case 'dict':
        return { kind: 'dict', entries: [] };
      case 'set':
        return { kind: 'set', items: [], frozen: n.frozen };
      case 'global':
        return { kind: 'global', module: n.module, name: n.name };
      case 'instance':
      case 'call':
        // Filled below: which spelling depends on how the instance was made.
        return { kind: 'call', callable: null, args: [] };
      case 'persid':
        return { kind: 'persid', pid: null };
      case 'ext':
        throw new Error(`EXT code ${n.code} at ${graph.pathOf(id)} cannot be written: copyreg's extension registry is not in the file`);
      case 'buffer':
        throw new Error(`an out-of-band buffer at ${graph.pathOf(id)} cannot be written: its data is not in the file`);
    }
  }

  function fill(id: NodeId): void {
    const n = graph.node(id);
    const target = made.get(id) as Mutable & Record<string, unknown>;
    const items = (ids: NodeId[]): PyValue[] => ids.map(get);
    switch (n.kind) {
      case 'list':
      case 'tuple':
      case 'set':
        (target as { items: PyValue[] }).items.push(...items(n.items));
        return;
      case 'dict':
        (target as { entries: Array<[PyValue, PyValue]> }).entries.push(...n.entries.map(([k, v]): [PyValue, PyValue] => [get(k), get(v)]));
        return;
      case 'persid':
        target.pid = get(n.pid);
        return;
      case 'call': {
        const args = graph.node(n.args);
        Object.assign(target, {
          kind: 'call',
          callable: get(n.callable),
          args: args.kind === 'tuple' ? items(args.items) : [get(n.args)],
          ...(n.state !== undefined ? { state: get(n.state) } : {}),
          ...(n.listItems.length ? { listItems: items(n.listItems) } : {}),
          ...(n.dictItems.length ? { dictItems: n.dictItems.map(([k, v]): [PyValue, PyValue] => [get(k), get(v)]) } : {}),
        });
        return;
      }
      case 'instance': {
        const cls = globalOf(n.cls, 'the class of an instance');
        const extras = {
          ...(n.state !== undefined ? { state: get(n.state) } : {}),
          ...(n.listItems.length ? { listItems: items(n.listItems) } : {}),
          ...(n.dictItems.length ? { dictItems: n.dictItems.map(([k, v]): [PyValue, PyValue] => [get(k), get(v)]) } : {}),
        };
        const args = items(n.args);
        // Replace the placeholder's own keys (callable/args) so the shell becomes the right shape.
        for (const k of Object.keys(target)) delete target[k];
        if (n.how === 'INST' || n.how === 'OBJ' || ((n.how === 'NEWOBJ' || n.how === 'newobj-reduce') && n.kwargs === undefined)) {
          Object.assign(target, { kind: 'instance', cls, how: n.how === 'newobj-reduce' ? 'NEWOBJ' : n.how, args, ...extras });
        } else if (n.how === 'reconstructor') {
          Object.assign(target, { kind: 'call', callable: { kind: 'global', module: copyreg, name: '_reconstructor' }, args: [cls, ...args], ...extras });
        } else {
          // NEWOBJ_EX (protocol 4) at protocol 2: copyreg.__newobj_ex__(cls, args, kwargs), as CPython does.
          const kwargs = n.kwargs !== undefined ? get(n.kwargs) : { kind: 'dict' as const, entries: [] };
          Object.assign(target, { kind: 'call', callable: { kind: 'global', module: 'copyreg', name: '__newobj_ex__' }, args: [cls, { kind: 'tuple', items: args }, kwargs], ...extras });
        }
        return;
      }
      default:
        return;
    }
  }

  const top = get(root);
  while (todo.length) fill(todo.pop()!);
  return top;
}
