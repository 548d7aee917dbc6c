// The safe pickle decoder: a pickle machine for protocols 0–5 that executes and imports nothing.
// Implemented from the opcode documentation in CPython's Lib/pickletools.py and the semantics of
// Lib/pickle.py and Modules/_pickle.c (separate object and mark stacks; items below the top
// mark are out of reach). It builds symbolic nodes (graph.ts) in the compact tables of store.ts.
// One loop over the input, never recursive on its depth.
import { SnapshotError } from '../errors.js';
import type { NodeId, SnapshotGraph, StreamInfo } from './graph.js';
import { CompactGraph } from './compact.js';
import { OP, opName } from './opcodes.js';
import { payloadRange, twosComplement } from './scalars.js';
import { K, NodeTable, R, isInstanceKind, isStrKind } from './store.js';
import {
  checkEscapedBytes,
  checkRawUnicodeEscape,
  decodeLatin1,
  decodeRawUnicodeEscape,
  decodeUtf8,
  isAscii,
  normaliseInt,
  parsePyFloat,
  parsePyInt,
} from './text.js';

export interface DecodeOptions {
  /** The name used in error messages (the snapshot's path). */
  file: string;
  /** Refuse pickles that make more nodes than this (default 50,000,000). */
  maxNodes?: number;
  /** Refuse pickles whose memo holds more entries than this (default 50,000,000). */
  maxMemo?: number;
}

export const DEFAULT_MAX_NODES = 50_000_000;
export const DEFAULT_MAX_MEMO = 50_000_000;
/** Memo keys far beyond the entries seen go to a Map; bound it so scattered keys cannot exhaust memory. */
const MAX_SPARSE_MEMO = 1_000_000;
/** Largest dense memo (keys below it live in a typed array). */
const MAX_DENSE_MEMO = 1 << 28;

/** How a REDUCE of a known global makes an instance rather than a call. */
const IDIOM_RECONSTRUCTOR = 1;
const IDIOM_NEWOBJ = 2;
const IDIOM_NEWOBJ_EX = 3;

const enc = new TextEncoder();
const B_COPYREG = enc.encode('copyreg');
const B_COPY_REG = enc.encode('copy_reg');
const B_BUILTIN = enc.encode('__builtin__');

function bytesEq(d: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (d[start + i] !== word[i]) return false;
  return true;
}

function idiomOf(module: string, name: string): number {
  if (module !== 'copyreg' && module !== 'copy_reg') return 0;
  if (name === '_reconstructor') return IDIOM_RECONSTRUCTOR;
  if (name === '__newobj__') return IDIOM_NEWOBJ;
  if (name === '__newobj_ex__') return IDIOM_NEWOBJ_EX;
  return 0;
}

const KIND_NAMES: Record<number, string> = {
  [K.LIST]: 'list',
  [K.TUPLE]: 'tuple',
  [K.DICT]: 'dict',
  [K.SET]: 'set',
  [K.FROZENSET]: 'frozenset',
  [K.GLOBAL_LINE]: 'global',
  [K.GLOBAL_STACK]: 'global',
  [K.CALL]: 'call',
  [K.PERSID]: 'persistent id',
  [K.EXT]: 'extension code',
  [K.NONE]: 'None',
};

function kindName(k: number): string {
  if (isInstanceKind(k)) return 'instance';
  return KIND_NAMES[k] ?? 'scalar';
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('rehearse needs a little-endian machine');

/** Thrown inside the machine; turned into a SnapshotError with the file name at the edge. */
class Fail {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

class Machine {
  readonly t: NodeTable;
  private readonly d: Uint8Array;
  private readonly n: number;
  pos = 0;
  opPos = 0;
  op = -1;
  stack = new Int32Array(1024);
  sp = 0;
  marks = new Int32Array(64);
  mp = 0;
  /** Dense memo: key → node id + 1 (0 = empty). Keys beyond it live in `sparse`. */
  memo: Int32Array;
  sparse = new Map<number, number>();
  memoCount = 0;
  readonly maxMemo: number;
  readonly idioms = new Map<NodeId, number>();
  readonly opCounts = new Float64Array(256);
  protocol = 0;
  python2 = false;
  root = -1;
  stopOffset = -1;

  constructor(data: Uint8Array, opts: DecodeOptions) {
    // Byte ranges are kept in Int32 columns.
    if (data.length > 0x7fffffff) throw new Fail(0, 'pickles larger than 2 GiB are not supported');
    this.d = data;
    this.n = data.length;
    this.t = new NodeTable(data.length, opts.maxNodes ?? DEFAULT_MAX_NODES);
    this.maxMemo = opts.maxMemo ?? DEFAULT_MAX_MEMO;
    // Memo keys are usually 0, 1, 2, … (one per PUT): a dense array, grown as keys come.
    this.memo = new Int32Array(Math.min(this.maxMemo, data.length >>> 3) + 256);
  }

  private fail(reason: string): never {
    throw new Fail(this.opPos, reason);
  }

  private truncated(what: string): never {
    throw new Fail(this.opPos, `truncated input: ${what} runs past the end of the data (${this.n} bytes)`);
  }

  // --- reading arguments -------------------------------------------------------------------

  private need(k: number, what: string): void {
    if (k > this.n - this.pos) this.truncated(what);
  }

  private u8(): number {
    this.need(1, 'argument');
    return this.d[this.pos++]!;
  }

  private u16(): number {
    this.need(2, 'argument');
    const v = this.d[this.pos]! | (this.d[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }

  private i32(): number {
    this.need(4, 'argument');
    const p = this.pos;
    const d = this.d;
    this.pos += 4;
    return d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24);
  }

  private u32(): number {
    return this.i32() >>> 0;
  }

  /** An 8-byte little-endian length; anything of 2^53 or more is reported as truncated. */
  private u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    if (hi >= 0x200000) this.truncated('declared length');
    return hi * 0x100000000 + lo;
  }

  /** A newline-terminated argument: returns its end (the newline's offset); starts at `pos`. */
  private lineEnd(): number {
    const e = this.d.indexOf(0x0a, this.pos);
    if (e < 0) this.truncated('text argument without newline');
    return e;
  }

  private lineText(): string {
    const s = this.pos;
    const e = this.lineEnd();
    this.pos = e + 1;
    return decodeLatin1(this.d, s, e);
  }

  // --- stacks -----------------------------------------------------------------------------

  private fence(): number {
    return this.mp > 0 ? this.marks[this.mp - 1]! : 0;
  }

  private growStack(): void {
    const s = new Int32Array(this.stack.length * 2);
    s.set(this.stack);
    this.stack = s;
  }

  push(id: number): void {
    if (this.sp >= this.stack.length) this.growStack();
    this.stack[this.sp++] = id;
  }

  private pop(): number {
    if (this.sp <= this.fence()) this.fail(this.sp === 0 ? 'stack underflow' : 'stack underflow (item below the MARK)');
    return this.stack[--this.sp]!;
  }

  private top(): number {
    if (this.sp <= this.fence()) this.fail('stack underflow');
    return this.stack[this.sp - 1]!;
  }

  private popMark(): number {
    if (this.mp === 0) this.fail('MARK missing');
    return this.marks[--this.mp]!;
  }

  private node(kind: number, a: number, b: number): number {
    const id = this.t.add(kind, this.opPos, a, b);
    if (id < 0) this.fail(`more than ${this.t.maxNodes} objects (raise the node limit to decode it)`);
    return id;
  }

  /** A list, dict or set, whose children arrive over time (see NodeTable.chain). */
  private chainNode(kind: number): number {
    return this.node(kind, 0, 0);
  }

  private chainStack(id: number, from: number, to: number, role: number): void {
    if (to > from) this.t.chain(id, this.t.poolPush(this.stack, from, to), to - from, role);
  }

  private chain1(id: number, value: number, role: number): void {
    this.t.chain(id, this.t.poolPush1(value), 1, role);
  }

  private directNode(kind: number, from: number, to: number): number {
    const start = this.t.poolPush(this.stack, from, to);
    return this.node(kind, start, to - from);
  }

  // --- memo -------------------------------------------------------------------------------

  private memoPut(key: number, id: number): void {
    if (key < 0) this.fail('negative memo key');
    if (key >= this.memo.length && key < MAX_DENSE_MEMO && key < 2 * (this.memoCount + 1024)) {
      // Grow only for keys near the ones seen: scattered keys (a memo bomb) go to the Map.
      const m = new Int32Array(Math.min(MAX_DENSE_MEMO, Math.max(key + 1, this.memo.length * 2)));
      m.set(this.memo);
      this.memo = m;
    }
    if (key < this.memo.length) {
      if (this.memo[key] === 0) this.memoCount++;
      this.memo[key] = id + 1;
    } else {
      if (!this.sparse.has(key)) {
        this.memoCount++;
        if (this.sparse.size >= MAX_SPARSE_MEMO) this.fail(`memo keys too scattered (more than ${MAX_SPARSE_MEMO} far keys)`);
      }
      this.sparse.set(key, id);
    }
    if (this.memoCount > this.maxMemo) this.fail(`memo holds more than ${this.maxMemo} entries (raise the memo limit to decode it)`);
  }

  private memoGet(key: number): number {
    if (key >= 0 && key < this.memo.length) {
      const v = this.memo[key]!;
      if (v !== 0) return v - 1;
    } else {
      const v = this.sparse.get(key);
      if (v !== undefined) return v;
    }
    this.fail(`bad memo key ${key}: memo value not found`);
  }

  private lineInt(): number {
    const text = this.lineText();
    const v = parsePyInt(text);
    if (typeof v !== 'number') this.fail(`bad memo key ${JSON.stringify(text)}`);
    return v;
  }

  // --- node makers ------------------------------------------------------------------------

  private intNode(v: number | bigint): number {
    if (typeof v === 'number' && (v | 0) === v && !Object.is(v, -0)) return this.node(K.INT, v, 0);
    this.t.bigs.push(v);
    return this.node(K.BIGINT, this.t.bigs.length - 1, 0);
  }

  private rangeNode(kind: number, len: number, what: string): number {
    if (len > this.n - this.pos) this.truncated(what);
    const id = this.node(kind, this.pos, len);
    this.pos += len;
    return id;
  }

  private globalFromLines(): number {
    const ms = this.pos;
    const me = this.lineEnd();
    this.pos = me + 1;
    const ns = this.pos;
    const ne = this.lineEnd();
    this.pos = ne + 1;
    const id = this.node(K.GLOBAL_LINE, ms, ns);
    const d = this.d;
    if (bytesEq(d, ms, me, B_BUILTIN) || bytesEq(d, ms, me, B_COPY_REG)) this.python2 = true;
    if (bytesEq(d, ms, me, B_COPY_REG) || bytesEq(d, ms, me, B_COPYREG)) {
      const idiom = idiomOf('copyreg', decodeUtf8(d, ns, ne));
      if (idiom) this.idioms.set(id, idiom);
    }
    return id;
  }

  private strText(id: number): string | undefined {
    const k = this.t.kinds[id]!;
    if (!isStrKind(k)) return undefined;
    const [s, e] = payloadRange(this.d, this.t.offs.get(id));
    if (k === K.STR_UTF8) return decodeUtf8(this.d, s, e);
    if (k === K.STR_RAWUNI) return decodeRawUnicodeEscape(this.d, s, e);
    return decodeLatin1(this.d, s, e);
  }

  private isTuple(id: number): boolean {
    return this.t.kinds[id] === K.TUPLE;
  }

  private tupleItem(id: number, i: number): number {
    return this.t.pool[this.t.a[this.t.rank(id)]! + i]!;
  }

  /** An instance or call whose head (class, then arguments) is `heads` (see NodeTable.addObject). */
  private object(kind: number, ...heads: number[]): number {
    const start = this.t.poolUsed;
    for (const h of heads) this.t.poolPush1(h);
    return this.objectAt(kind, start, heads.length);
  }

  private objectAt(kind: number, start: number, len: number): number {
    const id = this.t.addObject(kind, this.opPos, start, len);
    if (id < 0) this.fail(`more than ${this.t.maxNodes} objects (raise the node limit to decode it)`);
    return id;
  }

  private reduce(): void {
    const args = this.pop();
    const fn = this.pop();
    const idiom = this.idioms.get(fn) ?? 0;
    const t = this.t;
    if (idiom && this.isTuple(args) && t.b[t.rank(args)]! >= 1) {
      const len = t.b[t.rank(args)]!;
      if (idiom === IDIOM_RECONSTRUCTOR || idiom === IDIOM_NEWOBJ) {
        const kind = idiom === IDIOM_RECONSTRUCTOR ? K.INST_RECON : K.INST_NEWOBJ_REDUCE;
        this.push(this.object(kind, this.tupleItem(args, 0), args));
        return;
      }
      if (len === 3 && this.isTuple(this.tupleItem(args, 1)) && t.kinds[this.tupleItem(args, 2)] === K.DICT) {
        this.push(this.object(K.INST_NEWOBJ_REDUCE, this.tupleItem(args, 0), this.tupleItem(args, 1), this.tupleItem(args, 2)));
        return;
      }
    }
    this.push(this.object(K.CALL, fn, args));
  }

  /** APPEND/APPENDS/ADDITEMS of stack[from..to) onto `target`. */
  private addItems(target: number, from: number, to: number, toSet: boolean): void {
    const k = this.t.kinds[target]!;
    const ok = toSet ? k === K.SET : k === K.LIST;
    if (ok) this.chainStack(target, from, to, R.LITEM);
    else if (isInstanceKind(k) || k === K.CALL) this.chainStack(target, from, to, R.LITEM);
    else this.fail(`${toSet ? 'ADDITEMS' : 'APPEND'} onto a ${kindName(k)}`);
  }

  private setItems(target: number, from: number, to: number): void {
    if ((to - from) % 2 !== 0) this.fail('odd number of items for SETITEMS');
    const k = this.t.kinds[target]!;
    if (k === K.DICT || isInstanceKind(k) || k === K.CALL) this.chainStack(target, from, to, k === K.DICT ? R.LITEM : R.DITEM);
    else this.fail(`SETITEM onto a ${kindName(k)}`);
  }

  // --- the loop ---------------------------------------------------------------------------

  run(): void {
    const d = this.d;
    const n = this.n;
    const t = this.t;
    const counts = this.opCounts;
    if (n === 0) throw new Fail(0, 'empty input: not a pickle');
    for (;;) {
      if (this.pos >= n) {
        this.opPos = n;
        this.fail('truncated input: no STOP opcode');
      }
      this.opPos = this.pos;
      const op = d[this.pos++]!;
      this.op = op;
      counts[op]!++;
      switch (op) {
        case 0x28: // MARK
          if (this.mp >= this.marks.length) {
            const m = new Int32Array(this.marks.length * 2);
            m.set(this.marks);
            this.marks = m;
          }
          this.marks[this.mp++] = this.sp;
          break;
        case 0x2e: // STOP
          this.root = this.pop();
          this.stopOffset = this.opPos;
          return;
        case 0x30: // POP
          // As _pickle.c: a POP right at a MARK removes the mark.
          if (this.mp > 0 && this.marks[this.mp - 1] === this.sp) this.mp--;
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.sp = this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        case 0x46: { // FLOAT
          const text = this.lineText();
          const v = parsePyFloat(text);
          if (v === undefined) this.fail(`bad FLOAT literal ${JSON.stringify(text)}`);
          this.push(this.node(K.FLOAT, 0, 0)); // checked here, read again from the bytes when asked
          break;
        }
        case 0x49: { // INT
          const s = this.pos;
          const e = this.lineEnd();
          this.pos = e + 1;
          if (e - s === 2 && d[s] === 0x30 && (d[s + 1] === 0x30 || d[s + 1] === 0x31)) {
            this.push(this.node(d[s + 1] === 0x31 ? K.TRUE : K.FALSE, 0, 0));
          } else {
            const text = decodeLatin1(d, s, e);
            const v = parsePyInt(text);
            if (v === undefined) this.fail(`bad INT literal ${JSON.stringify(text)}`);
            this.push(this.intNode(v));
          }
          break;
        }
        case 0x4c: { // LONG
          let text = this.lineText();
          if (text.endsWith('L')) text = text.slice(0, -1);
          const v = parsePyInt(text);
          if (v === undefined) this.fail(`bad LONG literal ${JSON.stringify(text)}`);
          this.push(this.intNode(v));
          break;
        }
        case 0x4a: // BININT
          this.push(this.node(K.INT, this.i32(), 0));
          break;
        case 0x4b: // BININT1
          if (this.pos >= n) this.truncated('argument');
          this.push(this.node(K.INT, d[this.pos++]!, 0));
          break;
        case 0x4d: // BININT2
          this.push(this.node(K.INT, this.u16(), 0));
          break;
        case 0x8a: // LONG1
        case 0x8b: { // LONG4
          const len = op === OP.LONG1 ? this.u8() : this.i32();
          if (len < 0) this.fail('LONG pickle has negative byte count');
          this.need(len, 'LONG payload');
          this.push(this.intNode(twosComplement(d, this.pos, len)));
          this.pos += len;
          break;
        }
        case 0x4e: // NONE
          this.push(this.node(K.NONE, 0, 0));
          break;
        case 0x88: // NEWTRUE
          this.push(this.node(K.TRUE, 0, 0));
          break;
        case 0x89: // NEWFALSE
          this.push(this.node(K.FALSE, 0, 0));
          break;
        case 0x47: { // BINFLOAT
          this.need(8, 'BINFLOAT payload');
          this.pos += 8;
          this.push(this.node(K.FLOAT, 0, 0));
          break;
        }
        case 0x53: { // STRING
          this.python2 = true;
          const s = this.pos;
          const e = this.lineEnd();
          this.pos = e + 1;
          const q = d[s];
          if (e - s < 2 || (q !== 0x27 && q !== 0x22) || d[e - 1] !== q) {
            this.fail('bad string literal: the STRING opcode argument must be quoted');
          }
          const bad = checkEscapedBytes(d, s + 1, e - 1);
          if (bad) this.fail(bad);
          const escaped = d.subarray(s + 1, e - 1).indexOf(0x5c) >= 0;
          this.push(this.node(escaped ? K.BYTES_PY2_ESC : K.BYTES_PY2, s + 1, e - 1 - (s + 1)));
          break;
        }
        case 0x54: { // BINSTRING
          this.python2 = true;
          const len = this.i32();
          if (len < 0) this.fail('BINSTRING pickle has negative byte count');
          this.push(this.rangeNode(K.BYTES_PY2, len, 'BINSTRING payload'));
          break;
        }
        case 0x55: { // SHORT_BINSTRING
          this.python2 = true;
          if (this.pos >= n) this.truncated('argument');
          const len = d[this.pos++]!;
          this.push(this.rangeNode(K.BYTES_PY2, len, 'SHORT_BINSTRING payload'));
          break;
        }
        case 0x56: { // UNICODE
          const s = this.pos;
          const e = this.lineEnd();
          this.pos = e + 1;
          const escaped = d.subarray(s, e).indexOf(0x5c) >= 0;
          if (escaped) {
            const bad = checkRawUnicodeEscape(d, s, e);
            if (bad) this.fail(bad);
          }
          this.push(this.node(escaped ? K.STR_RAWUNI : K.STR_LATIN1, s, e - s));
          break;
        }
        case 0x58: // BINUNICODE
          this.push(this.rangeNode(K.STR_UTF8, this.u32(), 'BINUNICODE payload'));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.rangeNode(K.STR_UTF8, this.u8(), 'SHORT_BINUNICODE payload'));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.rangeNode(K.STR_UTF8, this.u64(), 'BINUNICODE8 payload'));
          break;
        case 0x42: // BINBYTES
          this.push(this.rangeNode(K.BYTES, this.u32(), 'BINBYTES payload'));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.rangeNode(K.BYTES, this.u8(), 'SHORT_BINBYTES payload'));
          break;
        case 0x8e: // BINBYTES8
          this.push(this.rangeNode(K.BYTES, this.u64(), 'BINBYTES8 payload'));
          break;
        case 0x96: // BYTEARRAY8
          this.push(this.rangeNode(K.BYTEARRAY, this.u64(), 'BYTEARRAY8 payload'));
          break;
        case 0x5d: // EMPTY_LIST
          this.push(this.chainNode(K.LIST));
          break;
        case 0x7d: // EMPTY_DICT
          this.push(this.chainNode(K.DICT));
          break;
        case 0x8f: // EMPTY_SET
          this.push(this.chainNode(K.SET));
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(this.directNode(K.TUPLE, 0, 0));
          break;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: { // TUPLE3
          const k = op - 0x85 + 1; // TUPLE1..3
          if (this.sp - k < this.fence()) this.fail('stack underflow');
          const id = this.directNode(K.TUPLE, this.sp - k, this.sp);
          this.sp -= k;
          this.push(id);
          break;
        }
        case 0x74: // TUPLE
        case 0x6c: // LIST
        case 0x64: // DICT
        case 0x91: { // FROZENSET
          const m = this.popMark();
          let id: number;
          if (op === OP.TUPLE) id = this.directNode(K.TUPLE, m, this.sp);
          else if (op === OP.FROZENSET) id = this.directNode(K.FROZENSET, m, this.sp);
          else {
            if (op === OP.DICT && (this.sp - m) % 2 !== 0) this.fail('odd number of items for DICT');
            id = this.chainNode(op === OP.LIST ? K.LIST : K.DICT);
            this.chainStack(id, m, this.sp, R.LITEM);
          }
          this.sp = m;
          this.push(id);
          break;
        }
        case 0x61: { // APPEND
          const v = this.pop();
          if (this.sp < 1) this.fail('stack underflow');
          this.stack[this.sp] = v;
          this.addItems(this.stack[this.sp - 1]!, this.sp, this.sp + 1, false);
          break;
        }
        case 0x65: // APPENDS
        case 0x90: { // ADDITEMS
          const m = this.popMark();
          if (m < 1) this.fail('stack underflow');
          this.addItems(this.stack[m - 1]!, m, this.sp, op === OP.ADDITEMS);
          this.sp = m;
          break;
        }
        case 0x73: { // SETITEM
          if (this.sp - 2 < Math.max(1, this.fence())) this.fail('stack underflow');
          this.setItems(this.stack[this.sp - 3]!, this.sp - 2, this.sp);
          this.sp -= 2;
          break;
        }
        case 0x75: { // SETITEMS
          const m = this.popMark();
          if (m < 1) this.fail('stack underflow');
          this.setItems(this.stack[m - 1]!, m, this.sp);
          this.sp = m;
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop();
          const target = this.top();
          const k = t.kinds[target]!;
          if (!isInstanceKind(k) && k !== K.CALL) this.fail(`BUILD on a ${kindName(k)}`);
          t.build(target, state);
          break;
        }
        case 0x63: // GLOBAL
          this.push(this.globalFromLines());
          break;
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          const ms = this.strText(module);
          const ns = this.strText(name);
          if (ms === undefined || ns === undefined) this.fail('STACK_GLOBAL requires str');
          const id = this.node(K.GLOBAL_STACK, module, name);
          const idiom = idiomOf(ms, ns);
          if (idiom) this.idioms.set(id, idiom);
          if (ms === '__builtin__' || ms === 'copy_reg') this.python2 = true;
          this.push(id);
          break;
        }
        case 0x69: { // INST
          this.python2 = true;
          const m = this.popMark();
          const cls = this.globalFromLines();
          const start = t.poolPush1(cls);
          t.poolPush(this.stack, m, this.sp);
          const id = this.objectAt(K.INST_INST, start, 1 + this.sp - m);
          this.sp = m;
          this.push(id);
          break;
        }
        case 0x6f: { // OBJ
          this.python2 = true;
          const m = this.popMark();
          if (this.sp - m < 1) this.fail('stack underflow: OBJ without a class');
          const id = this.objectAt(K.INST_OBJ, t.poolPush(this.stack, m, this.sp), this.sp - m);
          this.sp = m;
          this.push(id);
          break;
        }
        case 0x81: { // NEWOBJ
          const args = this.pop();
          const cls = this.pop();
          if (!this.isTuple(args)) this.fail('NEWOBJ expected an argument tuple');
          this.push(this.object(K.INST_NEWOBJ, cls, args));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!this.isTuple(args)) this.fail('NEWOBJ_EX expected an argument tuple');
          if (t.kinds[kwargs] !== K.DICT) this.fail('NEWOBJ_EX expected a keyword dict');
          this.push(this.object(K.INST_NEWOBJ_EX, cls, args, kwargs));
          break;
        }
        case 0x52: // REDUCE
          this.reduce();
          break;
        case 0x50: { // PERSID
          const s = this.pos;
          const e = this.lineEnd();
          this.pos = e + 1;
          if (!isAscii(d, s, e)) this.fail('persistent IDs in protocol 0 must be ASCII strings');
          const pid = this.node(K.STR_LATIN1, s, e - s);
          this.push(this.node(K.PERSID, pid, 0));
          break;
        }
        case 0x51: // BINPERSID
          this.push(this.node(K.PERSID, this.pop(), 0));
          break;
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: { // EXT4
          const code = op === OP.EXT1 ? this.u8() : op === OP.EXT2 ? this.u16() : this.i32();
          if (code <= 0) this.fail('EXT specifies code <= 0');
          this.push(this.node(K.EXT, code, 0));
          break;
        }
        case 0x67: // GET
          this.push(this.memoGet(this.lineInt()));
          break;
        case 0x68: { // BINGET — the commonest opcode of real snapshots: inlined
          if (this.pos >= n) this.truncated('argument');
          const v = this.memo[d[this.pos++]!]!; // the dense memo always covers keys < 256
          if (v === 0) this.memoGet(d[this.pos - 1]!); // fails with the reason
          if (this.sp >= this.stack.length) this.growStack();
          this.stack[this.sp++] = v - 1;
          break;
        }
        case 0x6a: // LONG_BINGET
          this.push(this.memoGet(this.u32()));
          break;
        case 0x70: // PUT
          this.memoPut(this.lineInt(), this.top());
          break;
        case 0x71: // BINPUT
          if (this.pos >= n) this.truncated('argument');
          this.memoPut(d[this.pos++]!, this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memoPut(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memoPut(this.memoCount, this.top());
          break;
        case 0x80: { // PROTO
          const v = this.u8();
          if (v > 5) this.fail(`unsupported pickle protocol: ${v}`);
          if (v > this.protocol) this.protocol = v;
          break;
        }
        case 0x95: { // FRAME
          const len = this.u64();
          if (len > n - this.pos) this.truncated('FRAME');
          break;
        }
        case 0x97: // NEXT_BUFFER
          this.push(this.node(K.BUFFER, 0, 0));
          break;
        case 0x98: { // READONLY_BUFFER
          const top = this.top();
          const k = t.kinds[top]!;
          if (k === K.BUFFER) this.stack[this.sp - 1] = this.node(K.BUFFER_RO, 0, 0);
          else if (k !== K.BUFFER_RO && k !== K.BYTES && k !== K.BYTEARRAY && k !== K.BYTES_PY2 && k !== K.BYTES_PY2_ESC) {
            this.fail(`READONLY_BUFFER on a ${kindName(k)}`);
          }
          break;
        }
        default:
          counts[op]!--;
          this.fail(this.opPos === 0 ? `not a pickle: first byte 0x${op.toString(16).padStart(2, '0')} is no opcode` : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  /** For --partial: a synthetic root list of what is on the stack (or, if nothing, the memo). */
  partialRoot(): number {
    const items: number[] = [];
    for (let i = 0; i < this.sp; i++) items.push(this.stack[i]!);
    if (items.length === 0) {
      for (let k = 0; k < this.memo.length && items.length < this.memoCount; k++) if (this.memo[k]) items.push(this.memo[k]! - 1);
      for (const [, v] of [...this.sparse].sort((x, y) => x[0] - y[0])) items.push(v);
    }
    const arr = Int32Array.from(items);
    const id = this.t.add(K.LIST, this.opPos, 0, 0);
    if (id < 0) return -1;
    if (arr.length > 0) this.t.chain(id, this.t.poolPush(arr, 0, arr.length), arr.length, R.LITEM);
    return id;
  }

  graph(root: number, data: Uint8Array, partial = false): SnapshotGraph {
    const opcodes: Record<string, number> = {};
    for (let i = 0; i < 256; i++) if (this.opCounts[i]! > 0) opcodes[opName(i)] = this.opCounts[i]!;
    const info: StreamInfo = {
      protocol: this.protocol,
      size: data.length,
      stopOffset: this.stopOffset,
      python2Hints: this.python2,
      opcodes,
    };
    if (partial) info.partial = true;
    const { csr, aux } = this.t.finalize();
    return new CompactGraph({
      data,
      kinds: this.t.kinds,
      offs: this.t.offs,
      a: this.t.a,
      b: this.t.b,
      ranks: this.t.ranks,
      csr,
      aux,
      bigs: this.t.bigs,
      count: this.t.count,
      root,
      info,
    });
  }
}

const MAGIC: Array<[number[], string]> = [
  [[0x1f, 0x8b], 'gzip data'],
  [[0x42, 0x5a, 0x68], 'bzip2 data'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an ELF binary'],
];

function looksLike(data: Uint8Array): string | undefined {
  for (const [magic, what] of MAGIC) if (magic.every((b, i) => data[i] === b)) return what;
  return undefined;
}

function toSnapshotError(e: unknown, m: Machine | undefined, data: Uint8Array, file: string): SnapshotError {
  const offset = m ? m.opPos : 0;
  const op = m && m.op >= 0 ? opName(m.op) : undefined;
  let reason: string;
  if (e instanceof Fail) reason = e.reason;
  else if (e instanceof RangeError) reason = `out of memory while decoding (${e.message})`;
  else reason = `internal decoder error: ${e instanceof Error ? e.message : String(e)}`;
  const like = looksLike(data);
  const at = e instanceof Fail ? e.offset : offset;
  if (like && m && m.protocol === 0 && at < 64) reason = `not a pickle (looks like ${like}): ${reason}`;
  else if (m && m.protocol === 0 && at < 8 && data.length > 8 && !reason.startsWith('not a pickle')) {
    // An error in the first bytes of something longer: most likely not a pickle at all.
    reason = `does not look like a pickle: ${reason}`;
  }
  return new SnapshotError(file, e instanceof Fail ? e.offset : offset, e instanceof Fail && e.offset >= data.length ? undefined : op, reason);
}

/** Decodes a whole pickle into a graph. Throws SnapshotError (only) on any bad input. */
export function decodePickle(data: Uint8Array, opts: DecodeOptions): SnapshotGraph {
  let m: Machine | undefined;
  try {
    m = new Machine(data, opts);
    m.run();
    return m.graph(m.root, data);
  } catch (e) {
    throw toSnapshotError(e, m, data, opts.file);
  }
}

/**
 * Like decodePickle, but on bad input returns what was decoded before the error: the root is
 * then a synthetic list (made at the error's offset) of the objects left on the stack, or of
 * the memo's objects when the stack was empty. `error` says the graph is partial.
 */
export function decodePickleTolerant(
  data: Uint8Array,
  opts: DecodeOptions,
): { graph: SnapshotGraph; error?: SnapshotError } {
  let m: Machine | undefined;
  try {
    m = new Machine(data, opts);
    m.run();
    return { graph: m.graph(m.root, data) };
  } catch (e) {
    const error = toSnapshotError(e, m, data, opts.file);
    if (m) {
      try {
        const root = m.partialRoot();
        if (root >= 0) return { graph: m.graph(root, data, true), error };
      } catch {
        // fall through to an empty graph
      }
    }
    const empty = new Machine(new Uint8Array(0), { file: opts.file });
    const root = empty.partialRoot();
    return { graph: empty.graph(root, data, true), error };
  }
}
