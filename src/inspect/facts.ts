// The facts `rehearse inspect` shows about one snapshot, gathered from the opened file and its
// graph. Pure: the renderers (summary, JSON) read only this.
import type { NodeId, SnapshotGraph } from '../snapshot/graph.js';
import type { SnapshotFile } from '../snapshot/open.js';
import { scanUnsafe, type UnsafeCall } from '../snapshot/unsafe.js';

export interface VersionFact {
  /** The state key as saved: `buildbot.status.builder.BuildStatus.persistenceVersion`, or the bare legacy `persistenceVersion`. */
  key: string;
  /** The class path the key names (`buildbot.status.builder.BuildStatus`), or null for the bare legacy key. */
  class: string | null;
  /** The saved value: a number (normally), or text for anything else. */
  version: number | string;
  /** How many instances carry this key with this value. */
  count: number;
}

export interface ClassFact {
  /** `module.Name` as the snapshot references it. */
  class: string;
  instances: number;
  /** How the instances were made (OBJ, INST, NEWOBJ, reconstructor …), with counts. */
  how: Record<string, number>;
  /** Saved Versioned version keys found in these instances' state, sorted by key then version. */
  versions: VersionFact[];
}

export interface UnsafeFact {
  callable: string;
  kind: UnsafeCall['kind'];
  confidence: UnsafeCall['confidence'];
  why: string;
  args: string;
  offset: number;
  path: string;
  /** More calls of the same callable that are not listed. */
  omitted?: number;
}

export interface PartialFact {
  reason: string;
  offset: number;
  opcode?: string;
}

export interface SnapshotFacts {
  file: string;
  status: 'ok' | 'partial';
  /** `pickle`, `pickle+gzip`, `aot+bzip2` … */
  format: string;
  container: 'pickle' | 'aot';
  compression: SnapshotFile['compression'];
  size: number;
  sha256: string;
  /** Bytes of the pickle stream (after decompression / AOT conversion). */
  pickleSize: number;
  protocol: number;
  python2Hints: boolean;
  nodes: number;
  instances: number;
  kinds: Record<string, number>;
  classes: ClassFact[];
  /** Calls and references that would execute code, most certain first. */
  unsafe: UnsafeFact[];
  opcodes: Record<string, number>;
  aot?: { python: 2 | 3; reason: string };
  partial?: PartialFact;
}

const VERSION_SUFFIX = '.persistenceVersion';
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Gather the facts about one decoded snapshot. */
export function gatherFacts(opened: SnapshotFile, graph: SnapshotGraph, partial?: PartialFact): SnapshotFacts {
  // One pass over the nodes (nodesOfKind per kind would walk them seventeen times).
  const counts = new Map<string, number>();
  for (let id = 0; id < graph.nodeCount; id++) {
    const k = graph.kind(id);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const kinds: Record<string, number> = {};
  for (const kind of ['none', 'bool', 'int', 'float', 'str', 'bytes', 'bytearray', 'list', 'tuple', 'dict', 'set', 'global', 'instance', 'call', 'persid', 'ext', 'buffer'] as const) {
    const n = counts.get(kind);
    if (n) kinds[kind] = n;
  }
  const instances = graph.nodesOfKind('instance');
  const classes = new Map<string, { instances: number; how: Record<string, number>; versions: Map<string, VersionFact> }>();
  for (const id of instances) {
    const c = graph.classOf(id);
    const name = c ? `${c.module}.${c.name}` : '<computed class>';
    let entry = classes.get(name);
    if (!entry) {
      entry = { instances: 0, how: {}, versions: new Map() };
      classes.set(name, entry);
    }
    entry.instances++;
    const node = graph.node(id);
    if (node.kind === 'instance') entry.how[node.how] = (entry.how[node.how] ?? 0) + 1;
    const state = graph.instanceState(id);
    if (!state) continue;
    for (const [key, value] of state) {
      if (key !== 'persistenceVersion' && !key.endsWith(VERSION_SUFFIX)) continue;
      const version = scalarText(graph, value);
      const mapKey = `${key}\n${version}`;
      const v = entry.versions.get(mapKey);
      if (v) v.count++;
      else entry.versions.set(mapKey, { key, class: key === 'persistenceVersion' ? null : key.slice(0, -VERSION_SUFFIX.length), version, count: 1 });
    }
  }
  const classFacts: ClassFact[] = [...classes.entries()]
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([name, e]) => ({
      class: name,
      instances: e.instances,
      how: sortKeys(e.how),
      versions: [...e.versions.values()].sort((x, y) => byCodeUnit(x.key, y.key) || byCodeUnit(String(x.version), String(y.version))),
    }));
  const unsafe = scanUnsafe(graph).map(({ node: _node, ...rest }) => rest);
  return {
    file: opened.file,
    status: partial ? 'partial' : 'ok',
    format: opened.label,
    container: opened.format,
    compression: opened.compression,
    size: opened.size,
    sha256: opened.sha256,
    pickleSize: opened.pickle.length,
    protocol: graph.info.protocol,
    python2Hints: graph.info.python2Hints,
    nodes: graph.nodeCount,
    instances: instances.length,
    kinds,
    classes: classFacts,
    unsafe,
    opcodes: sortKeys(graph.info.opcodes),
    ...(opened.aot ? { aot: opened.aot } : {}),
    ...(partial ? { partial } : {}),
  };
}

function scalarText(graph: SnapshotGraph, id: NodeId): number | string {
  const n = graph.node(id);
  if (n.kind === 'int') return typeof n.value === 'number' ? n.value : String(n.value);
  if (n.kind === 'float' || n.kind === 'bool') return String(n.value);
  if (n.kind === 'none') return 'None';
  return graph.text(id) ?? `<${n.kind}>`;
}

function sortKeys(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(r).sort(byCodeUnit)) out[k] = r[k]!;
  return out;
}
