// `SnapshotGraph` over the compact tables of store.ts: views, edges, text and paths on demand.
import type { Edge, Node, NodeId, NodeKind, SnapshotGraph, StreamInfo } from './graph.js';
import { K, R, ROLES, isBytesPy2Kind, isInstanceKind, isStrKind, type Offsets, type Ranks, type RoleCounts } from './store.js';
import { extAt, floatAt, globalLines, intAt, payloadRange } from './scalars.js';
import {
  bytesAsText,
  decodeEscapedBytes,
  decodeLatin1,
  decodeRawUnicodeEscape,
  decodeUtf8,
  reprBytes,
  reprFloat,
  reprStr,
} from './text.js';
import { computeBfs, renderPath, type Bfs } from './paths.js';
import type { InstanceHow } from './graph.js';

const PUBLIC_KIND: NodeKind[] = [];
PUBLIC_KIND[K.NONE] = 'none';
PUBLIC_KIND[K.TRUE] = 'bool';
PUBLIC_KIND[K.FALSE] = 'bool';
PUBLIC_KIND[K.INT] = 'int';
PUBLIC_KIND[K.BIGINT] = 'int';
PUBLIC_KIND[K.FLOAT] = 'float';
PUBLIC_KIND[K.STR_UTF8] = 'str';
PUBLIC_KIND[K.STR_RAWUNI] = 'str';
PUBLIC_KIND[K.STR_LATIN1] = 'str';
PUBLIC_KIND[K.BYTES_PY2] = 'bytes';
PUBLIC_KIND[K.BYTES_PY2_ESC] = 'bytes';
PUBLIC_KIND[K.BYTES] = 'bytes';
PUBLIC_KIND[K.BYTEARRAY] = 'bytearray';
PUBLIC_KIND[K.LIST] = 'list';
PUBLIC_KIND[K.TUPLE] = 'tuple';
PUBLIC_KIND[K.DICT] = 'dict';
PUBLIC_KIND[K.SET] = 'set';
PUBLIC_KIND[K.FROZENSET] = 'set';
PUBLIC_KIND[K.GLOBAL_LINE] = 'global';
PUBLIC_KIND[K.GLOBAL_STACK] = 'global';
for (let k: number = K.INST_INST; k <= K.INST_NEWOBJ_REDUCE; k++) PUBLIC_KIND[k] = 'instance';
PUBLIC_KIND[K.CALL] = 'call';
PUBLIC_KIND[K.PERSID] = 'persid';
PUBLIC_KIND[K.EXT] = 'ext';
PUBLIC_KIND[K.BUFFER] = 'buffer';
PUBLIC_KIND[K.BUFFER_RO] = 'buffer';

const HOW: Partial<Record<number, InstanceHow>> = {
  [K.INST_INST]: 'INST',
  [K.INST_OBJ]: 'OBJ',
  [K.INST_NEWOBJ]: 'NEWOBJ',
  [K.INST_NEWOBJ_EX]: 'NEWOBJ_EX',
  [K.INST_RECON]: 'reconstructor',
  [K.INST_NEWOBJ_REDUCE]: 'newobj-reduce',
};


/** Edge code for the one child that is not a CSR slot: a persid's pid. */
const PID_EDGE = -1;

export interface CompactParts {
  data: Uint8Array;
  kinds: Uint8Array;
  offs: Offsets;
  ranks: Ranks;
  a: Int32Array;
  b: Int32Array;
  csr: Int32Array;
  aux: RoleCounts;
  bigs: Array<number | bigint>;
  count: number;
  root: NodeId;
  info: StreamInfo;
}

export class CompactGraph implements SnapshotGraph {
  readonly root: NodeId;
  readonly nodeCount: number;
  readonly info: StreamInfo;
  private readonly d: Uint8Array;
  private readonly kinds: Uint8Array;
  private readonly offs: Offsets;
  private readonly ranks: Ranks;
  private readonly A: Int32Array;
  private readonly B: Int32Array;
  private readonly csr: Int32Array;
  private readonly aux: RoleCounts;
  private readonly bigs: Array<number | bigint>;
  private bfs: Bfs | undefined;
  private readonly globalCache = new Map<NodeId, { module: string; name: string }>();

  constructor(p: CompactParts) {
    this.d = p.data;
    this.kinds = p.kinds;
    this.offs = p.offs;
    this.ranks = p.ranks;
    this.A = p.a;
    this.B = p.b;
    this.csr = p.csr;
    this.aux = p.aux;
    this.bigs = p.bigs;
    this.nodeCount = p.count;
    this.root = p.root;
    this.info = p.info;
  }

  private check(id: NodeId): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.nodeCount) throw new RangeError(`no node ${id} in this graph`);
    return this.kinds[id]!;
  }

  /** Internal kind code (for modules of this folder). */
  rawKind(id: NodeId): number {
    return this.check(id);
  }

  kind(id: NodeId): NodeKind {
    return PUBLIC_KIND[this.check(id)]!;
  }

  offset(id: NodeId): number {
    this.check(id);
    return this.offs.get(id);
  }

  nodesOfKind(kind: NodeKind): NodeId[] {
    const out: NodeId[] = [];
    const { kinds } = this;
    for (let id = 0; id < this.nodeCount; id++) if (PUBLIC_KIND[kinds[id]!] === kind) out.push(id);
    return out;
  }

  private floatOf(id: NodeId): number {
    return floatAt(this.d, this.offs.get(id));
  }

  private intOf(id: NodeId): number | bigint {
    return this.kinds[id] === K.BIGINT ? this.bigs[this.ra(id)]! : intAt(this.d, this.offs.get(id));
  }

  /** a/b columns of a ranked node. */
  private ra(id: NodeId): number {
    return this.A[this.ranks.rank(id)]!;
  }

  private rb(id: NodeId): number {
    return this.B[this.ranks.rank(id)]!;
  }

  private range(id: NodeId): NodeId[] {
    const s = this.ra(id);
    return Array.from(this.csr.subarray(s, s + this.rb(id)));
  }

  private pairs(start: number, count: number): Array<[NodeId, NodeId]> {
    const out: Array<[NodeId, NodeId]> = [];
    for (let i = start; i + 1 < start + count; i += 2) out.push([this.csr[i]!, this.csr[i + 1]!]);
    return out;
  }

  /** Start of each role group of an instance/call, and the end of the last (index ROLES). */
  private roleStarts(id: NodeId): number[] {
    const row = this.rb(id) * ROLES;
    const starts: number[] = [this.ra(id)];
    for (let r = 0; r < ROLES; r++) starts.push(starts[r]! + this.aux.get(row + r));
    return starts;
  }

  private bytesOf(id: NodeId, k: number): Uint8Array {
    const [s, e] = payloadRange(this.d, this.offs.get(id));
    return k === K.BYTES_PY2_ESC ? decodeEscapedBytes(this.d, s, e) : this.d.subarray(s, e);
  }

  private strOf(id: NodeId, k: number): string {
    const [s, e] = payloadRange(this.d, this.offs.get(id));
    if (k === K.STR_UTF8) return decodeUtf8(this.d, s, e);
    if (k === K.STR_RAWUNI) return decodeRawUnicodeEscape(this.d, s, e);
    return decodeLatin1(this.d, s, e);
  }

  private argIds(st: number[]): NodeId[] {
    const out: NodeId[] = Array.from(this.csr.subarray(st[R.ARG]!, st[R.ARG + 1]!));
    for (let s = st[R.ARGTUPLE]!; s < st[R.ARGTUPLE1 + 1]!; s++) {
      const t = this.csr[s]!;
      const skip = s >= st[R.ARGTUPLE1]! ? 1 : 0;
      if (this.kinds[t] === K.TUPLE) out.push(...this.range(t).slice(skip));
    }
    return out;
  }

  node(id: NodeId): Node {
    const k = this.check(id);
    switch (k) {
      case K.NONE:
        return { kind: 'none' };
      case K.TRUE:
      case K.FALSE:
        return { kind: 'bool', value: k === K.TRUE };
      case K.INT:
        return { kind: 'int', value: this.intOf(id) };
      case K.BIGINT:
        return { kind: 'int', value: this.intOf(id) };
      case K.FLOAT:
        return { kind: 'float', value: this.floatOf(id) };
      case K.STR_UTF8:
      case K.STR_RAWUNI:
      case K.STR_LATIN1:
        return { kind: 'str', value: this.strOf(id, k) };
      case K.BYTES_PY2:
      case K.BYTES_PY2_ESC:
      case K.BYTES:
        return { kind: 'bytes', bytes: this.bytesOf(id, k), py2str: k !== K.BYTES };
      case K.BYTEARRAY:
        return { kind: 'bytearray', bytes: this.bytesOf(id, k) };
      case K.LIST:
        return { kind: 'list', items: this.range(id) };
      case K.TUPLE:
        return { kind: 'tuple', items: this.range(id) };
      case K.SET:
      case K.FROZENSET:
        return { kind: 'set', items: this.range(id), frozen: k === K.FROZENSET };
      case K.DICT:
        return { kind: 'dict', entries: this.pairs(this.ra(id), this.rb(id)) };
      case K.GLOBAL_LINE:
      case K.GLOBAL_STACK:
        return { kind: 'global', ...this.globalName(id) };
      case K.CALL: {
        const st = this.roleStarts(id);
        const n: Node = {
          kind: 'call',
          callable: this.csr[st[R.CLS]!]!,
          args: this.csr[st[R.ARGTUPLE]!]!,
          listItems: Array.from(this.csr.subarray(st[R.LITEM]!, st[R.LITEM + 1]!)),
          dictItems: this.pairs(st[R.DITEM]!, st[R.DITEM + 1]! - st[R.DITEM]!),
        };
        if (st[R.STATE + 1]! > st[R.STATE]!) n.state = this.csr[st[R.STATE + 1]! - 1]!;
        return n;
      }
      case K.PERSID:
        return { kind: 'persid', pid: this.ra(id) };
      case K.EXT:
        return { kind: 'ext', code: extAt(this.d, this.offs.get(id)) };
      case K.BUFFER:
      case K.BUFFER_RO:
        return { kind: 'buffer', readonly: k === K.BUFFER_RO };
      default: {
        // every instance kind
        const st = this.roleStarts(id);
        const n: Node = {
          kind: 'instance',
          cls: this.csr[st[R.CLS]!]!,
          how: HOW[k]!,
          args: this.argIds(st),
          listItems: Array.from(this.csr.subarray(st[R.LITEM]!, st[R.LITEM + 1]!)),
          dictItems: this.pairs(st[R.DITEM]!, st[R.DITEM + 1]! - st[R.DITEM]!),
        };
        if (st[R.KWARGS + 1]! > st[R.KWARGS]!) n.kwargs = this.csr[st[R.KWARGS]!]!;
        if (st[R.STATE + 1]! > st[R.STATE]!) n.state = this.csr[st[R.STATE + 1]! - 1]!;
        return n;
      }
    }
  }

  private globalName(id: NodeId): { module: string; name: string } {
    let g = this.globalCache.get(id);
    if (g) return g;
    const k = this.kinds[id]!;
    if (k === K.GLOBAL_LINE) {
      const [ms, me, ns, ne] = globalLines(this.d, this.offs.get(id));
      g = { module: decodeUtf8(this.d, ms, me), name: decodeUtf8(this.d, ns, ne) };
    } else {
      g = { module: this.text(this.ra(id)) ?? '', name: this.text(this.rb(id)) ?? '' };
    }
    this.globalCache.set(id, g);
    return g;
  }

  text(id: NodeId): string | undefined {
    const k = this.check(id);
    if (isStrKind(k)) return this.strOf(id, k);
    if (isBytesPy2Kind(k) || k === K.BYTES || k === K.BYTEARRAY) return bytesAsText(this.bytesOf(id, k));
    return undefined;
  }

  private isTextKey(id: NodeId): boolean {
    const k = this.kinds[id]!;
    return isStrKind(k) || isBytesPy2Kind(k);
  }

  /** The dicts that make up an instance's attributes (state dict, or the two of a `(dict, slots)` tuple). */
  private stateDicts(st: number[]): NodeId[] {
    if (st[R.STATE + 1]! === st[R.STATE]!) return [];
    const s = this.csr[st[R.STATE + 1]! - 1]!;
    const k = this.kinds[s]!;
    if (k === K.DICT) return [s];
    if (k === K.TUPLE && this.rb(s) === 2) {
      const out: NodeId[] = [];
      for (const item of this.range(s)) if (this.kinds[item] === K.DICT) out.push(item);
      else if (this.kinds[item] !== K.NONE) return [];
      return out;
    }
    return [];
  }

  instanceState(id: NodeId): Map<string, NodeId> | undefined {
    const k = this.check(id);
    if (!isInstanceKind(k) && k !== K.CALL) return undefined;
    const st = this.roleStarts(id);
    if (st[R.STATE + 1]! === st[R.STATE]!) return undefined;
    const dicts = this.stateDicts(st);
    if (dicts.length === 0) return undefined;
    const m = new Map<string, NodeId>();
    for (const dct of dicts) {
      const s = this.ra(dct);
      for (let i = s; i < s + this.rb(dct); i += 2) {
        const key = this.csr[i]!;
        if (this.isTextKey(key)) m.set(this.text(key)!, this.csr[i + 1]!);
      }
    }
    return m;
  }

  classOf(id: NodeId): { module: string; name: string } | undefined {
    const k = this.check(id);
    if (!isInstanceKind(k) && k !== K.CALL) return undefined;
    const st = this.roleStarts(id);
    if (st[R.CLS + 1]! === st[R.CLS]!) return undefined;
    const c = this.csr[st[R.CLS]!]!;
    const ck = this.kinds[c]!;
    if (ck !== K.GLOBAL_LINE && ck !== K.GLOBAL_STACK) return undefined;
    return { ...this.globalName(c) };
  }

  /** A dict key as a Python literal, or undefined when it is an object (not shown inline). */
  keyLiteral(id: NodeId, depth = 0): string | undefined {
    const k = this.kinds[id]!;
    switch (k) {
      case K.NONE:
        return 'None';
      case K.TRUE:
        return 'True';
      case K.FALSE:
        return 'False';
      case K.INT:
      case K.BIGINT:
        return String(this.intOf(id));
      case K.FLOAT:
        return reprFloat(this.floatOf(id));
      case K.STR_UTF8:
      case K.STR_RAWUNI:
      case K.STR_LATIN1:
        return reprStr(this.strOf(id, k));
      case K.BYTES_PY2:
      case K.BYTES_PY2_ESC:
        // A Python 2 str is shown as the text Python 2 users saw: `['full']`.
        return reprStr(bytesAsText(this.bytesOf(id, k)));
      case K.BYTES:
        return reprBytes(this.bytesOf(id, k));
      case K.TUPLE: {
        if (depth > 0 || this.rb(id) > 8) return undefined;
        const parts: string[] = [];
        for (const item of this.range(id)) {
          const lit = this.keyLiteral(item, depth + 1);
          if (lit === undefined) return undefined;
          parts.push(lit);
        }
        return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
      }
      default:
        return undefined;
    }
  }

  /** Whether `keyLiteral` would render the key (decided from kinds alone: no text decoding). */
  private isLiteralKey(id: NodeId): boolean {
    const k = this.kinds[id]!;
    if (k <= K.BYTES) return true; // none, bools, ints, floats, str, bytes
    if (k !== K.TUPLE || this.rb(id) > 8) return false;
    const s = this.ra(id);
    for (let i = s; i < s + this.rb(id); i++) if (this.kinds[this.csr[i]!]! > K.BYTES) return false;
    return true;
  }

  /** Pushes the dict-style edge codes of `count` key/value slots from `start`. */
  private dictEdgeSlots(start: number, count: number, out: number[]): void {
    for (let i = start; i + 1 < start + count; i += 2) {
      if (!this.isLiteralKey(this.csr[i]!)) out.push(i);
      out.push(i + 1);
    }
  }

  /**
   * The children of `id` in edge order, as edge codes: a CSR slot index (the child is
   * `csr[code]`), or PID_EDGE. `edges()` and the BFS of paths.ts both use this one list.
   */
  edgeCodes(id: NodeId, out: number[]): void {
    const k = this.kinds[id]!;
    const A = this.ra(id);
    switch (k) {
      case K.LIST:
      case K.TUPLE:
      case K.SET:
      case K.FROZENSET:
        for (let i = A; i < A + this.rb(id); i++) out.push(i);
        return;
      case K.DICT:
        this.dictEdgeSlots(A, this.rb(id), out);
        return;
      case K.PERSID:
        out.push(PID_EDGE);
        return;
      default:
        if (!isInstanceKind(k) && k !== K.CALL) return;
    }
    const st = this.roleStarts(id);
    for (let i = st[R.CLS]!; i < st[R.ARGTUPLE]!; i++) out.push(i); // CLS, ARG
    if (k === K.CALL) {
      for (let i = st[R.ARGTUPLE]!; i < st[R.KWARGS]!; i++) out.push(i);
    } else {
      for (let i = st[R.ARGTUPLE]!; i < st[R.KWARGS]!; i++) {
        const t = this.csr[i]!;
        if (this.kinds[t] !== K.TUPLE) continue;
        const skip = i >= st[R.ARGTUPLE1]! ? 1 : 0;
        for (let j = this.ra(t) + skip; j < this.ra(t) + this.rb(t); j++) out.push(j);
      }
    }
    for (let i = st[R.KWARGS]!; i < st[R.STATE]!; i++) out.push(i);
    for (const dct of this.stateDicts(st)) {
      const s = this.ra(dct);
      for (let i = s; i < s + this.rb(dct); i += 2) if (this.isTextKey(this.csr[i]!)) out.push(i + 1);
    }
    for (let i = st[R.STATE]!; i < st[R.LITEM + 1]!; i++) out.push(i); // STATE, LITEM
    this.dictEdgeSlots(st[R.DITEM]!, st[R.DITEM + 1]! - st[R.DITEM]!, out);
  }

  /** The child an edge code leads to. */
  edgeTarget(parent: NodeId, code: number): NodeId {
    return code === PID_EDGE ? this.ra(parent) : this.csr[code]!;
  }

  private dictEdge(start: number, code: number): Edge {
    const rel = code - start;
    const entry = rel >> 1;
    const to = this.csr[code]!;
    if ((rel & 1) === 0) return { via: 'inner', label: `key-object:${entry}`, to };
    const key = this.csr[code - 1]!;
    return this.isLiteralKey(key) ? { via: 'key', key: this.keyLiteral(key)!, to } : { via: 'value-of', key: String(entry), to };
  }

  /** The edge from `parent` with code `code` (one of `edgeCodes(parent)`). */
  edgeAt(parent: NodeId, code: number): Edge {
    const k = this.kinds[parent]!;
    const A = this.ra(parent);
    if (code === PID_EDGE) return { via: 'inner', label: 'pid', to: this.ra(parent) };
    const to = this.csr[code]!;
    if (k === K.LIST || k === K.TUPLE || k === K.SET || k === K.FROZENSET) return { via: 'index', index: code - A, to };
    if (k === K.DICT) return this.dictEdge(A, code);
    const st = this.roleStarts(parent);
    if (code >= st[0]! && code < st[ROLES]!) {
      if (code < st[R.ARG]!) return { via: 'inner', label: k === K.CALL ? 'callable' : 'cls', to };
      if (code < st[R.ARGTUPLE]!) return { via: 'inner', label: `arg:${code - st[R.ARG]!}`, to };
      if (code < st[R.KWARGS]!) return { via: 'inner', label: 'args', to };
      if (code < st[R.STATE]!) return { via: 'inner', label: 'kwargs', to };
      if (code < st[R.LITEM]!) return { via: 'inner', label: 'state', to };
      if (code < st[R.DITEM]!) return { via: 'index', index: code - st[R.LITEM]!, to };
      return this.dictEdge(st[R.DITEM]!, code);
    }
    // Outside the object's own slots: an item of its args tuple, or a value of its state dict.
    let argBase = st[R.ARGTUPLE]! - st[R.ARG]!;
    for (let i = st[R.ARGTUPLE]!; i < st[R.KWARGS]!; i++) {
      const t = this.csr[i]!;
      if (this.kinds[t] !== K.TUPLE) continue;
      const skip = i >= st[R.ARGTUPLE1]! ? 1 : 0;
      const ts = this.ra(t);
      if (code >= ts + skip && code < ts + this.rb(t)) return { via: 'inner', label: `arg:${argBase + code - ts - skip}`, to };
      argBase += this.rb(t) - skip;
    }
    return { via: 'attr', name: this.text(this.csr[code - 1]!) ?? '?', to };
  }

  edges(id: NodeId): Edge[] {
    this.check(id);
    const codes: number[] = [];
    this.edgeCodes(id, codes);
    return codes.map((c) => this.edgeAt(id, c));
  }

  pathOf(id: NodeId): string {
    this.check(id);
    this.bfs ??= computeBfs(this);
    return renderPath(this.bfs, id, (parent, code) => this.edgeAt(parent, code));
  }
}
