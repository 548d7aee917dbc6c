// The object graph a snapshot decodes to: symbolic nodes, nothing executed.
//
// This file is the contract between the decoder (which builds a graph) and everything that reads
// one (inspect, the simulated replay, the minimizer, the live replay's expectations). The storage
// behind `SnapshotGraph` is the decoder's business: it may keep nodes compactly and hand out
// `Node` views on demand; readers only use the methods below.

/** Index of a node in its graph. Stable for one decode of one file. */
export type NodeId = number;

/** How an instance came to be: which opcode (or reduce idiom) made it. */
export type InstanceHow =
  | 'INST' // protocol 0: INST module name (old-style class, Python 2)
  | 'OBJ' // protocol 1+: MARK cls args... OBJ
  | 'NEWOBJ' // protocol 2+: cls.__new__(cls, *args)
  | 'NEWOBJ_EX' // protocol 4+: cls.__new__(cls, *args, **kwargs)
  | 'reconstructor' // REDUCE of copy_reg._reconstructor / copyreg._reconstructor(cls, base, state)
  | 'newobj-reduce'; // REDUCE of copyreg.__newobj__ / __newobj_ex__ (protocol 0/1 spelling of NEWOBJ)

export type Node =
  | { kind: 'none' }
  | { kind: 'bool'; value: boolean }
  /** Ints that fit a double exactly are numbers; larger ones are bigints. */
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  /** A Python 3 `str` or a Python 2 `unicode`. */
  | { kind: 'str'; value: string }
  /**
   * Raw bytes. `py2str` is true for STRING/BINSTRING/SHORT_BINSTRING (a Python 2 `str`, which
   * Python 3 must decode with the Unpickler's `encoding=`), false for BINBYTES* (Python 3 bytes).
   */
  | { kind: 'bytes'; bytes: Uint8Array; py2str: boolean }
  | { kind: 'bytearray'; bytes: Uint8Array }
  | { kind: 'list'; items: NodeId[] }
  | { kind: 'tuple'; items: NodeId[] }
  | { kind: 'dict'; entries: Array<[NodeId, NodeId]> }
  | { kind: 'set'; items: NodeId[]; frozen: boolean }
  /** A GLOBAL / STACK_GLOBAL / INST class reference, or an EXT code resolved through copyreg's registry (never resolved here). */
  | { kind: 'global'; module: string; name: string }
  /**
   * An object made from a class reference. `cls` is a `global` node in every well-formed pickle
   * (it may be anything in a hostile one). `state` is what BUILD passed (usually a dict, or a
   * `(dict, slotsdict)` tuple); absent when no BUILD followed.
   */
  | {
      kind: 'instance';
      cls: NodeId;
      how: InstanceHow;
      args: NodeId[];
      kwargs?: NodeId;
      state?: NodeId;
      listItems: NodeId[];
      dictItems: Array<[NodeId, NodeId]>;
    }
  /** REDUCE of any other callable: `callable(*args)`, never called here. */
  | {
      kind: 'call';
      callable: NodeId;
      args: NodeId;
      state?: NodeId;
      listItems: NodeId[];
      dictItems: Array<[NodeId, NodeId]>;
    }
  /** A persistent id (PERSID / BINPERSID): a reference to something outside the pickle. */
  | { kind: 'persid'; pid: NodeId }
  /** An EXT1/2/4 code: copyreg's extension registry is process state, so it is left symbolic. */
  | { kind: 'ext'; code: number }
  /** An out-of-band buffer (NEXT_BUFFER), optionally made read-only (READONLY_BUFFER). */
  | { kind: 'buffer'; readonly: boolean };

export type NodeKind = Node['kind'];

/** One step from a node to one it holds, as shown in object paths. */
export type Edge =
  | { via: 'attr'; name: string; to: NodeId } // instance state dict key that is a string: `.name`
  | { via: 'index'; index: number; to: NodeId } // list/tuple/set/args position: `[3]`
  | { via: 'key'; key: string; to: NodeId } // dict key rendered as Python literal: `['full']`, `[12]`
  | { via: 'value-of'; key: string; to: NodeId } // a dict key that is itself an object: `.<key:N>`
  | { via: 'inner'; label: string; to: NodeId }; // class ref, args, state wrapper, persid: `<cls>`

/** What the decoder learned about the stream as a whole. */
export interface StreamInfo {
  /** Highest PROTO seen; 0 when the stream has no PROTO opcode (protocol 0 or 1). */
  protocol: number;
  /** Bytes of pickle data (after decompression). */
  size: number;
  /** Byte offset of the STOP opcode. */
  stopOffset: number;
  /** True when the stream used any Python-2-only spelling (STRING with non-ASCII, INST of old-style classes, `__builtin__`/`copy_reg`). */
  python2Hints: boolean;
  /** Count of each opcode name seen (for `inspect --json`). */
  opcodes: Record<string, number>;
  /**
   * Set by `decodePickleTolerant` when it stopped at an error: the root is then a synthetic list
   * (made at the error's offset) of what was decoded, and `stopOffset` is -1.
   */
  partial?: boolean;
}

export interface SnapshotGraph {
  readonly root: NodeId;
  readonly nodeCount: number;
  readonly info: StreamInfo;
  /** The node at `id`, as a view (may be built on demand: do not mutate it). */
  node(id: NodeId): Node;
  kind(id: NodeId): NodeKind;
  /** Byte offset (in the decompressed pickle stream) of the opcode that made the node. */
  offset(id: NodeId): number;
  /** The nodes `id` holds, in a stable order. */
  edges(id: NodeId): Edge[];
  /**
   * The shortest object path from the root, ties broken by edge order, e.g.
   * `root.builds[12].steps[3].logs[0]` or `root['full'].nextBuild`. Stable from run to run.
   */
  pathOf(id: NodeId): string;
  /** Every node of `kind` (in id order). */
  nodesOfKind(kind: NodeKind): NodeId[];
  /**
   * A string/bytes node as text: `str` as is; bytes decoded as UTF-8 when valid, else latin-1.
   * undefined for other kinds.
   */
  text(id: NodeId): string | undefined;
  /**
   * The attribute dict of an instance: its BUILD state when that is a dict (or the first item of
   * a `(dict, slots)` tuple, merged with the slots dict), keys as text. undefined when the state
   * is absent or not a dict (a custom `__setstate__` payload).
   */
  instanceState(id: NodeId): Map<string, NodeId> | undefined;
  /** For an instance or call node: the class/callable reference as `module.name`, or undefined. */
  classOf(id: NodeId): { module: string; name: string } | undefined;
}
