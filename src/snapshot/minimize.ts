// Minimized repro snapshots: from a decoded graph and the objects some findings are about, a new
// value tree (for `writePickle`) that keeps only what the findings depend on, so a bug mail can
// carry a small pickle instead of a whole master's state.
//
// What is kept, and why:
//  - every object on the path from the root to each finding's object, with its class reference
//    (the class lookup is what missing-module/missing-class are about);
//  - for each kept instance, every attribute NAME of its saved state (the simulated replay
//    compares attribute sets: dropping a name would invent a missing-attribute) and the values
//    of Twisted's version keys (the upgrade chain depends on them);
//  - the finding's object itself verbatim when it is a scalar (a Python 2 string that does not
//    decode is itself the evidence).
// Every other value becomes a placeholder of the same type ('' for a str, 0 for an int, [] for a
// list, …) or None for objects (an empty instance would lack every attribute and invent
// findings). Lists, sets and dicts on a path keep only the items on a path (the real code
// iterates them on load: a None in a list of steps breaks `__setstate__`); tuples keep their
// length (they are records: `(dict, slots)`, constructor args), others placeholders. Redaction applies on the way:
// secret-looking attribute names get a typed '[REDACTED]' value, listed strings are removed
// from every string kept.
import type { NodeId, SnapshotGraph } from './graph.js';
import { edgeLabel } from './paths.js';
import { glob, type PyGlobal, type PyValue } from './writer.js';
import { scalarValue } from './graph-to-value.js';

export interface MinimizeOptions {
  /** Attribute names whose values are secret (values become '[REDACTED]'). */
  secretNames?: RegExp;
  /** Literal strings to remove from every kept string. */
  values?: string[];
}

export interface Minimized {
  root: PyValue;
  /** Write with Python 2 spellings (`__builtin__`, `copy_reg`) when the input was a Python 2 pickle. */
  python2: boolean;
  /** Objects kept with their structure (instances, containers on a path, the targets). */
  keptNodes: number;
  /** What redaction replaced, by name only (never the value). */
  redacted: string[];
}

export const REDACTED_TEXT = '[REDACTED]';
const VERSION_SUFFIX = '.persistenceVersion';
const LEGACY_VERSION = 'persistenceVersion';

/**
 * The nodes that object paths (as findings print them: `root.steps[0]`, optionally prefixed with
 * `snapshot:`) point at. Walks the graph's own edges from the root, matching each step's label,
 * so no whole-graph path table is built. Paths that match nothing are ignored.
 */
export function nodesAtPaths(graph: SnapshotGraph, paths: readonly string[]): NodeId[] {
  const out = new Set<NodeId>();
  for (const raw of paths) {
    const at = raw.indexOf('root');
    if (at < 0) continue;
    const path = raw.slice(at);
    // Breadth-first over candidate prefixes: a label may be a prefix of another (`.a` / `.ab`).
    let frontier: Array<{ id: NodeId; rest: string }> = [{ id: graph.root, rest: path.slice(4) }];
    let found: NodeId | undefined;
    for (let guard = 0; frontier.length > 0 && found === undefined && guard < 10_000; guard++) {
      const next: Array<{ id: NodeId; rest: string }> = [];
      for (const { id, rest } of frontier) {
        if (rest === '') {
          found = id;
          break;
        }
        for (const e of graph.edges(id)) {
          const label = edgeLabel(e);
          if (!rest.startsWith(label)) continue;
          const after = rest.slice(label.length);
          if (after === '' || after.startsWith('.') || after.startsWith('[')) next.push({ id: e.to, rest: after });
        }
      }
      frontier = next.slice(0, 64);
    }
    if (found !== undefined) out.add(found);
  }
  return [...out].sort((a, b) => a - b);
}

/** The root-to-node chains of `targets`, by a breadth-first search in edge order (as pathOf). */
function pathNodes(graph: SnapshotGraph, targets: readonly NodeId[]): Set<NodeId> {
  const want = new Set(targets);
  const parent = new Map<NodeId, NodeId>();
  parent.set(graph.root, -1);
  const queue: NodeId[] = [graph.root];
  let remaining = [...want].filter((t) => t !== graph.root).length;
  for (let head = 0; head < queue.length && remaining > 0; head++) {
    const id = queue[head]!;
    for (const e of graph.edges(id)) {
      if (parent.has(e.to)) continue;
      parent.set(e.to, id);
      queue.push(e.to);
      if (want.has(e.to)) remaining--;
    }
  }
  const needed = new Set<NodeId>();
  for (const t of want) {
    if (!parent.has(t)) continue;
    for (let cur = t; cur !== -1 && !needed.has(cur); cur = parent.get(cur)!) needed.add(cur);
  }
  return needed;
}

export function minimizeGraph(graph: SnapshotGraph, targets: readonly NodeId[], opts: MinimizeOptions = {}): Minimized {
  const needed = pathNodes(graph, targets);
  const targetSet = new Set(targets);
  const python2 = graph.info.python2Hints;
  const builtins = python2 ? '__builtin__' : 'builtins';
  const secret = opts.secretNames;
  const listed = [...new Set((opts.values ?? []).filter((v) => v.length > 0))].sort((a, b) => b.length - a.length);
  const listedNo = new Map((opts.values ?? []).map((v, i) => [v, i + 1] as const).reverse());
  const redacted = new Set<string>();
  const kept = new Map<NodeId, PyValue>();
  const work: Array<() => void> = [];

  const redactText = (s: string): string => {
    let out = s;
    for (const v of listed) {
      if (out.includes(v)) {
        out = out.split(v).join(REDACTED_TEXT);
        redacted.add(`listed value #${listedNo.get(v)} in the repro snapshot`);
      }
    }
    return out;
  };
  const redactBytes = (b: Uint8Array): Uint8Array => {
    if (listed.length === 0) return b;
    const s = Buffer.from(b).toString('latin1');
    const r = redactText(s);
    return r === s ? b : Uint8Array.from(Buffer.from(r, 'latin1'));
  };
  const isSecret = (name: string): boolean => {
    if (!secret) return false;
    secret.lastIndex = 0;
    return secret.test(name);
  };

  const globalOf = (id: NodeId): PyGlobal | undefined => {
    const n = graph.node(id);
    return n.kind === 'global' ? glob(n.module, n.name) : undefined;
  };

  /** A value of the same type carrying nothing. */
  const placeholder = (id: NodeId): PyValue => {
    const n = graph.node(id);
    switch (n.kind) {
      case 'none':
        return null;
      case 'bool':
        return false;
      case 'int':
        return { kind: 'int', value: 0 };
      case 'float':
        return { kind: 'float', value: 0 };
      case 'str':
        return '';
      case 'bytes':
        return { kind: 'bytes', value: new Uint8Array(0), py2str: n.py2str };
      case 'bytearray':
        return { kind: 'call', callable: glob(builtins, 'bytearray'), args: [] };
      case 'list':
        return { kind: 'list', items: [] };
      case 'tuple':
        return { kind: 'tuple', items: [] };
      case 'dict':
        return { kind: 'dict', entries: [] };
      case 'set':
        return { kind: 'set', items: [], frozen: n.frozen };
      default:
        // Objects, class references, persistent ids, extension codes, buffers.
        return null;
    }
  };

  /** A secret attribute's value: same type, no content. */
  const secretValue = (id: NodeId, where: string): PyValue => {
    const n = graph.node(id);
    if (n.kind === 'str' || n.kind === 'bytes') {
      if ((n.kind === 'str' ? n.value.length : n.bytes.length) > 0) redacted.add(`${where} in the repro snapshot`);
      return n.kind === 'str' ? REDACTED_TEXT : { kind: 'bytes', value: Uint8Array.from(Buffer.from(REDACTED_TEXT)), py2str: n.py2str };
    }
    return placeholder(id);
  };

  const child = (id: NodeId): PyValue => (needed.has(id) ? keep(id) : placeholder(id));

  /** An instance's saved state: every key, values on a path kept, the rest placeholders. */
  const stateDict = (id: NodeId): PyValue => {
    const n = graph.node(id);
    if (n.kind !== 'dict') return child(id);
    const entries: Array<[PyValue, PyValue]> = n.entries.map(([k, v]) => {
      const name = graph.text(k) ?? '';
      const key = scalar(k);
      const versionKey = name === LEGACY_VERSION || name.endsWith(VERSION_SUFFIX);
      const value = versionKey ? scalar(v) : isSecret(name) ? secretValue(v, name) : child(v);
      return [key, value];
    });
    return { kind: 'dict', entries };
  };

  /** Scalars kept as they are (listed values removed); anything else handled as a child. */
  function scalar(id: NodeId): PyValue {
    const n = graph.node(id);
    if (n.kind === 'str') return redactText(n.value);
    if (n.kind === 'bytes') return { kind: 'bytes', value: redactBytes(n.bytes), py2str: n.py2str };
    return scalarValue(n) ?? child(id);
  }

  function keep(id: NodeId): PyValue {
    const have = kept.get(id);
    if (have !== undefined) return have;
    const n = graph.node(id);
    let v: PyValue;
    switch (n.kind) {
      case 'none':
      case 'bool':
      case 'int':
      case 'float':
      case 'str':
      case 'bytes':
        // A scalar on a path is a target (a scalar holds nothing): kept verbatim.
        v = scalar(id);
        break;
      case 'bytearray':
        v = { kind: 'call', callable: glob(builtins, 'bytearray'), args: [{ kind: 'bytes', value: redactBytes(n.bytes), py2str: python2 }] };
        break;
      case 'global':
        v = glob(n.module, n.name);
        break;
      case 'list': {
        // Only the items on a path: a None left in place of an object breaks code that loops
        // over the list on load (`for step in self.steps: step.build = self`). Findings name
        // their first object, usually item [0], so paths mostly stay the same.
        const shell: { kind: 'list'; items: PyValue[] } = { kind: 'list', items: [] };
        work.push(() => (shell.items = n.items.filter((x) => needed.has(x)).map(keep)));
        v = shell;
        break;
      }
      case 'tuple': {
        const shell: { kind: 'tuple'; items: PyValue[] } = { kind: 'tuple', items: [] };
        work.push(() => (shell.items = n.items.map(child)));
        v = shell;
        break;
      }
      case 'set': {
        const shell: { kind: 'set'; items: PyValue[]; frozen: boolean } = { kind: 'set', items: [], frozen: n.frozen };
        work.push(() => (shell.items = n.items.filter((x) => needed.has(x)).map(keep)));
        v = shell;
        break;
      }
      case 'dict': {
        const shell: { kind: 'dict'; entries: Array<[PyValue, PyValue]> } = { kind: 'dict', entries: [] };
        work.push(() => {
          shell.entries = n.entries
            .filter(([k, x]) => needed.has(k) || needed.has(x) || targetSet.has(id))
            .map(([k, x]) => [scalar(k), child(x)]);
        });
        v = shell;
        break;
      }
      case 'instance': {
        const cls = globalOf(n.cls) ?? glob('builtins', 'object');
        const args = n.args;
        if (n.how === 'reconstructor') {
          // copy_reg._reconstructor(cls, base, state): the base and its state are args[0..1].
          const shell: { kind: 'call'; callable: PyValue; args: PyValue[]; state?: PyValue } = {
            kind: 'call',
            callable: glob(python2 ? 'copy_reg' : 'copyreg', '_reconstructor'),
            args: [cls, (args[0] !== undefined ? globalOf(args[0]) : undefined) ?? glob(builtins, 'object'), null],
          };
          if (n.state !== undefined) {
            const s = n.state;
            work.push(() => (shell.state = instanceState(s)));
          }
          v = shell;
        } else {
          const how = n.how === 'INST' || n.how === 'OBJ' ? 'OBJ' : 'NEWOBJ';
          const shell: { kind: 'instance'; cls: PyGlobal; how: 'OBJ' | 'NEWOBJ'; args: PyValue[]; state?: PyValue } = { kind: 'instance', cls, how, args: [] };
          work.push(() => {
            shell.args = args.map(child);
            if (n.state !== undefined) shell.state = instanceState(n.state);
          });
          v = shell;
        }
        break;
      }
      case 'call': {
        const shell: { kind: 'call'; callable: PyValue; args: PyValue[]; state?: PyValue } = { kind: 'call', callable: null, args: [] };
        work.push(() => {
          shell.callable = globalOf(n.callable) ?? callableChain(n.callable);
          const a = graph.node(n.args);
          shell.args = a.kind === 'tuple' ? a.items.map(child) : [];
          if (n.state !== undefined) shell.state = instanceState(n.state);
        });
        v = shell;
        break;
      }
      case 'persid': {
        const shell: { kind: 'persid'; pid: PyValue } = { kind: 'persid', pid: null };
        work.push(() => (shell.pid = scalar(n.pid)));
        v = shell;
        break;
      }
      default:
        // ext codes and out-of-band buffers cannot be written back without process state.
        v = null;
    }
    kept.set(id, v);
    return v;
  }

  /**
   * What a call calls, kept whole when it is itself made by calls (`getattr(import_module('os'),
   * 'system')`): the chain is the evidence of an unsafe-global finding. Only the outermost call's
   * arguments are data (placeholders), so a repro of a hostile pickle is defanged.
   */
  function callableChain(id: NodeId): PyValue {
    const n = graph.node(id);
    if (n.kind === 'global') return glob(n.module, n.name);
    if (n.kind !== 'call') return child(id);
    const have = kept.get(id);
    if (have !== undefined) return have;
    const a = graph.node(n.args);
    const v: PyValue = {
      kind: 'call',
      callable: callableChain(n.callable),
      args: a.kind === 'tuple' ? a.items.map((x) => (graph.kind(x) === 'call' || graph.kind(x) === 'global' ? callableChain(x) : scalar(x))) : [],
    };
    kept.set(id, v);
    return v;
  }

  /** BUILD state: a dict, or a (dict, slots) tuple, keeps every key; anything else as a child. */
  function instanceState(id: NodeId): PyValue {
    const s = graph.node(id);
    if (s.kind === 'dict') return stateDict(id);
    if (s.kind === 'tuple' && s.items.length === 2) return { kind: 'tuple', items: s.items.map((x) => (graph.kind(x) === 'dict' ? stateDict(x) : child(x))) };
    return child(id);
  }

  const root = keep(graph.root);
  // Fill shells breadth-first with an explicit queue: deep object chains cost no stack.
  for (let i = 0; i < work.length; i++) work[i]!();
  return { root, python2, keptNodes: kept.size, redacted: [...redacted].sort() };
}


