// A small pickle writer: symbolic value tree → pickle bytes (protocol 2, or 0 for simple trees).
//
// Used to turn AOT source snapshots into pickles (so one decoder builds every graph) and, later,
// to write minimized repro snapshots. Written by hand: no npm package writes Python pickles with
// Python 2 spellings (BINSTRING, old-style OBJ/INST) and memo-shared cycles. Opcodes follow
// CPython's pickletools.py. Iterative (an explicit work stack), so deep trees do not overflow.

/** A class or function reference, pickled as GLOBAL. */
export interface PyGlobal {
  kind: 'global';
  module: string;
  name: string;
}

/**
 * A symbolic Python value. Containers, instances and calls are JS objects: the same JS object
 * reached twice is written once and shared through the memo (so cycles work, as in pickle).
 */
export type PyValue =
  | null // None
  | boolean
  | string // Python 3 str / Python 2 unicode
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  /** py2str: a Python 2 `str` (BINSTRING); otherwise Python 3 bytes. */
  | { kind: 'bytes'; value: Uint8Array; py2str?: boolean }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'tuple'; items: PyValue[] }
  | { kind: 'dict'; entries: Array<[PyValue, PyValue]> }
  | { kind: 'set'; items: PyValue[]; frozen?: boolean }
  | PyGlobal
  /**
   * An instance of `cls`. how: 'OBJ' (protocol 1+, old-style Python 2 classes; Python 3 makes
   * it with cls.__new__ when there are no args), 'NEWOBJ' (cls.__new__(cls, *args)), 'INST'
   * (protocol 0). `state` is passed to BUILD (`__setstate__` or `__dict__.update`).
   */
  | ({ kind: 'instance'; cls: PyGlobal; how?: 'OBJ' | 'NEWOBJ' | 'INST'; args?: PyValue[]; state?: PyValue } & Extras)
  /** `callable(*args)` via REDUCE, then BUILD(state) if given. */
  | ({ kind: 'call'; callable: PyValue; args: PyValue[]; state?: PyValue } & Extras)
  /** A persistent id (BINPERSID; PERSID with a string pid in protocol 0). */
  | { kind: 'persid'; pid: PyValue };

/** Items a reduce-style object receives after it is made (APPENDS / SETITEMS), before BUILD. */
export interface Extras {
  listItems?: PyValue[];
  dictItems?: Array<[PyValue, PyValue]>;
}

export interface WriteOptions {
  /** 2 (default) or 0. Protocol 0 cannot spell NEWOBJ or Python 3 bytes: those throw. */
  protocol?: 0 | 2;
  /** Spell builtins the Python 2 way (`__builtin__.set`), as a Python 2 pickler would. */
  python2?: boolean;
}

export const int = (value: number | bigint): PyValue => ({ kind: 'int', value });
export const float = (value: number): PyValue => ({ kind: 'float', value });
export const py2str = (s: string): PyValue => ({ kind: 'bytes', value: latin1(s), py2str: true });
export const bytes = (b: Uint8Array): PyValue => ({ kind: 'bytes', value: b });
export const list = (items: PyValue[]): PyValue => ({ kind: 'list', items });
export const tuple = (items: PyValue[]): PyValue => ({ kind: 'tuple', items });
export const dict = (entries: Array<[PyValue, PyValue]>): PyValue => ({ kind: 'dict', entries });
export const glob = (module: string, name: string): PyGlobal => ({ kind: 'global', module, name });

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new Error(`py2str: character U+${c.toString(16)} is not latin-1`);
    out[i] = c;
  }
  return out;
}

/** Growable byte buffer. */
class Out {
  private buf = new Uint8Array(1024);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i) & 0xff);
  }
  u32le(n: number): void {
    this.byte(n & 0xff);
    this.byte((n >>> 8) & 0xff);
    this.byte((n >>> 16) & 0xff);
    this.byte((n >>> 24) & 0xff);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d,
  INT: 0x49, LONG: 0x4c, NONE: 0x4e, BINFLOAT: 0x47, FLOAT: 0x46, BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55, STRING: 0x53, BINUNICODE: 0x58, UNICODE: 0x56, APPEND: 0x61, APPENDS: 0x65,
  BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, EMPTY_DICT: 0x7d, GET: 0x67, BINGET: 0x68, LONG_BINGET: 0x6a,
  INST: 0x69, LIST: 0x6c, EMPTY_LIST: 0x5d, OBJ: 0x6f, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, SETITEMS: 0x75, TUPLE: 0x74, EMPTY_TUPLE: 0x29, REDUCE: 0x52, PERSID: 0x50,
  BINPERSID: 0x51, PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b,
} as const;

/** Items per MARK…APPENDS/SETITEMS batch, as CPython does. */
const BATCH = 1000;
const utf8 = new TextEncoder();

type Task =
  /** as: the memo identity when it differs from v (a set written as a call). */
  | { t: 'save'; v: PyValue; as?: object }
  | { t: 'op'; op: number }
  | { t: 'memo'; obj: object }
  /** After a tuple's items: if the tuple got memoized meanwhile (a cycle), drop the copy. */
  | { t: 'tuple-end'; obj: object; n: number; short: number | undefined }
  /** Finish INST: the class is part of the opcode. */
  | { t: 'inst'; cls: PyGlobal };

/** Write `root` as a pickle. Throws Error (a bug of the caller) on values it cannot spell. */
export function writePickle(root: PyValue, opts: WriteOptions = {}): Uint8Array {
  const proto = opts.protocol ?? 2;
  const bin = proto >= 1;
  const builtins = opts.python2 ? '__builtin__' : 'builtins';
  const out = new Out();
  const memo = new Map<object | string, number>();
  const building = new Set<object>();
  const tupleDepth = new Map<object, number>();

  const put = (key: object | string): void => {
    const n = memo.size;
    memo.set(key, n);
    if (!bin) {
      out.byte(OP.PUT);
      out.ascii(`${n}\n`);
    } else if (n < 256) {
      out.byte(OP.BINPUT);
      out.byte(n);
    } else {
      out.byte(OP.LONG_BINPUT);
      out.u32le(n);
    }
  };
  const get = (n: number): void => {
    if (!bin) {
      out.byte(OP.GET);
      out.ascii(`${n}\n`);
    } else if (n < 256) {
      out.byte(OP.BINGET);
      out.byte(n);
    } else {
      out.byte(OP.LONG_BINGET);
      out.u32le(n);
    }
  };

  if (proto >= 2) {
    out.byte(OP.PROTO);
    out.byte(proto);
  }
  const stack: Task[] = [{ t: 'save', v: root }];
  const push = (...tasks: Task[]): void => {
    for (let i = tasks.length - 1; i >= 0; i--) stack.push(tasks[i]!);
  };

  while (stack.length > 0) {
    const task = stack.pop()!;
    if (task.t === 'op') {
      out.byte(task.op);
      continue;
    }
    if (task.t === 'memo') {
      building.delete(task.obj);
      put(task.obj);
      continue;
    }
    if (task.t === 'tuple-end') {
      tupleDepth.set(task.obj, (tupleDepth.get(task.obj) ?? 1) - 1);
      const m = memo.get(task.obj);
      if (m !== undefined) {
        // A member referred back to this tuple, so it was already built from the memo: drop our
        // copy of the items and use the memoized one (what CPython's save_tuple does).
        if (task.short !== undefined) for (let i = 0; i < task.n; i++) out.byte(OP.POP);
        else if (bin) out.byte(OP.POP_MARK);
        else for (let i = 0; i <= task.n; i++) out.byte(OP.POP);
        get(m);
      } else {
        out.byte(task.short ?? OP.TUPLE);
        put(task.obj);
      }
      continue;
    }
    if (task.t === 'inst') {
      out.byte(OP.INST);
      out.ascii(`${task.cls.module}\n${task.cls.name}\n`);
      continue;
    }
    const v = task.v;
    // The memo key and the in-tuple guard live in the loop; a set aliases the call that builds it.
    if (v === null) {
      out.byte(OP.NONE);
    } else if (typeof v === 'boolean') {
      if (proto >= 2) out.byte(v ? OP.NEWTRUE : OP.NEWFALSE);
      else out.ascii(v ? 'I01\n' : 'I00\n');
    } else if (typeof v === 'string') {
      writeUnicode(out, v, bin);
    } else {
      const seen = v.kind === 'global' ? memo.get(`${v.module}\n${v.name}`) : memo.get(v);
      if (seen !== undefined) {
        get(seen);
        continue;
      }
      switch (v.kind) {
        case 'int':
          writeInt(out, v.value, bin);
          break;
        case 'float':
          writeFloat(out, v.value, bin);
          break;
        case 'bytes':
          if (v.py2str) writeBinString(out, v.value, bin);
          else {
            if (!bin) throw new Error('protocol 0 cannot spell Python 3 bytes');
            // Protocol 2 has no BYTES opcode: CPython spells bytes as _codecs.encode(latin1, 'latin1').
            push({
              t: 'save',
              v: { kind: 'call', callable: glob('_codecs', 'encode'), args: [String.fromCharCode(...v.value), 'latin1'] },
            });
          }
          break;
        case 'global':
          out.byte(OP.GLOBAL);
          out.ascii(`${v.module}\n${v.name}\n`);
          put(`${v.module}\n${v.name}`);
          break;
        case 'list':
          if (bin) out.byte(OP.EMPTY_LIST);
          else {
            out.byte(OP.MARK);
            out.byte(OP.LIST);
          }
          put(v);
          pushBatches(push, v.items.map((x) => [x]), bin ? OP.APPENDS : OP.APPEND, bin);
          break;
        case 'dict':
          if (bin) out.byte(OP.EMPTY_DICT);
          else {
            out.byte(OP.MARK);
            out.byte(OP.DICT);
          }
          put(v);
          pushBatches(push, v.entries, bin ? OP.SETITEMS : OP.SETITEM, bin);
          break;
        case 'tuple': {
          // Re-entering a tuple is fine once (a list inside it refers back; CPython writes it
          // twice and keeps the inner copy); a third entry means a cycle of tuples only.
          const depth = tupleDepth.get(v) ?? 0;
          if (depth >= 2) throw new Error('a tuple that contains itself without a mutable object in between cannot be pickled');
          tupleDepth.set(v, depth + 1);
          const n = v.items.length;
          if (n === 0) {
            if (bin) out.byte(OP.EMPTY_TUPLE);
            else {
              out.byte(OP.MARK);
              out.byte(OP.TUPLE);
            }
            break;
          }
          const short = proto >= 2 && n <= 3 ? [OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][n - 1] : undefined;
          if (short === undefined) out.byte(OP.MARK);
          push(...v.items.map((x): Task => ({ t: 'save', v: x })), { t: 'tuple-end', obj: v, n, short });
          break;
        }
        case 'set': {
          // Protocol 2 has no set opcodes: CPython reduces to set([items]) / frozenset([items]).
          const callable = glob(builtins, v.frozen ? 'frozenset' : 'set');
          push({ t: 'save', v: { kind: 'call', callable, args: [{ kind: 'list', items: v.items }] }, as: v });
          break;
        }
        case 'instance': {
          if (building.has(v)) throw new Error('an instance that is its own constructor argument cannot be pickled');
          building.add(v);
          const how = v.how ?? (bin ? 'OBJ' : 'INST');
          const args = v.args ?? [];
          const tail: Task[] = [{ t: 'memo', obj: v }, ...extras(v)];
          if (v.state !== undefined) tail.push({ t: 'save', v: v.state }, { t: 'op', op: OP.BUILD });
          if (how === 'INST') {
            out.byte(OP.MARK);
            push(...args.map((x): Task => ({ t: 'save', v: x })), { t: 'inst', cls: v.cls }, ...tail);
          } else if (how === 'OBJ') {
            if (!bin) throw new Error('protocol 0 has no OBJ: use INST');
            out.byte(OP.MARK);
            push({ t: 'save', v: v.cls }, ...args.map((x): Task => ({ t: 'save', v: x })), { t: 'op', op: OP.OBJ }, ...tail);
          } else {
            if (proto < 2) throw new Error('NEWOBJ needs protocol 2');
            push({ t: 'save', v: v.cls }, { t: 'save', v: { kind: 'tuple', items: args } }, { t: 'op', op: OP.NEWOBJ }, ...tail);
          }
          break;
        }
        case 'call': {
          if (building.has(task.as ?? v)) throw new Error('a call that is its own argument cannot be pickled');
          building.add(task.as ?? v);
          const tail: Task[] = [{ t: 'memo', obj: task.as ?? v }, ...extras(v)];
          if (v.state !== undefined) tail.push({ t: 'save', v: v.state }, { t: 'op', op: OP.BUILD });
          push({ t: 'save', v: v.callable }, { t: 'save', v: { kind: 'tuple', items: v.args } }, { t: 'op', op: OP.REDUCE }, ...tail);
          break;
        }
        case 'persid':
          if (bin) push({ t: 'save', v: v.pid }, { t: 'op', op: OP.BINPERSID });
          else {
            if (typeof v.pid !== 'string') throw new Error('protocol 0 persistent ids must be strings');
            out.byte(OP.PERSID);
            out.ascii(`${v.pid}\n`);
          }
          break;
      }
    }
  }
  out.byte(OP.STOP);
  return out.result();

  // Helpers that need the loop's state (declared as functions so they hoist).
  /** CPython's save_reduce order: list items, then dict items, then the state. */
  function extras(v: Extras): Task[] {
    const tasks: Task[] = [];
    const collect = (...t: Task[]): void => void tasks.push(...t);
    if (v.listItems?.length) pushBatches(collect, v.listItems.map((x) => [x]), bin ? OP.APPENDS : OP.APPEND, bin);
    if (v.dictItems?.length) pushBatches(collect, v.dictItems, bin ? OP.SETITEMS : OP.SETITEM, bin);
    return tasks;
  }

  function pushBatches(pushFn: (...t: Task[]) => void, rows: PyValue[][], op: number, batched: boolean): void {
    const tasks: Task[] = [];
    if (!batched) {
      for (const row of rows) tasks.push(...row.map((x): Task => ({ t: 'save', v: x })), { t: 'op', op });
    } else {
      for (let i = 0; i < rows.length; i += BATCH) {
        tasks.push({ t: 'op', op: OP.MARK });
        for (const row of rows.slice(i, i + BATCH)) tasks.push(...row.map((x): Task => ({ t: 'save', v: x })));
        tasks.push({ t: 'op', op });
      }
    }
    pushFn(...tasks);
  }
}

function writeUnicode(out: Out, s: string, bin: boolean): void {
  if (bin) {
    const b = utf8.encode(s);
    out.byte(OP.BINUNICODE);
    out.u32le(b.length);
    out.bytes(b);
    return;
  }
  // raw-unicode-escape: latin-1 as is, others as \uXXXX / \UXXXXXXXX; backslash and newline escaped.
  out.byte(OP.UNICODE);
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x5c) out.ascii('\\u005c');
    else if (c === 0x0a) out.ascii('\\u000a');
    else if (c === 0x0d) out.ascii('\\u000d');
    else if (c < 0x100) out.byte(c);
    else if (c < 0x10000) out.ascii(`\\u${c.toString(16).padStart(4, '0')}`);
    else out.ascii(`\\U${c.toString(16).padStart(8, '0')}`);
  }
  out.byte(0x0a);
}

function writeBinString(out: Out, b: Uint8Array, bin: boolean): void {
  if (bin) {
    if (b.length < 256) {
      out.byte(OP.SHORT_BINSTRING);
      out.byte(b.length);
    } else {
      out.byte(OP.BINSTRING);
      out.u32le(b.length);
    }
    out.bytes(b);
    return;
  }
  // STRING takes a Python string literal: repr-style escapes in single quotes.
  out.byte(OP.STRING);
  out.byte(0x27);
  for (const c of b) {
    if (c === 0x5c) out.ascii('\\\\');
    else if (c === 0x27) out.ascii("\\'");
    else if (c >= 0x20 && c < 0x7f) out.byte(c);
    else out.ascii(`\\x${c.toString(16).padStart(2, '0')}`);
  }
  out.ascii("'\n");
}

function writeInt(out: Out, value: number | bigint, bin: boolean): void {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`int ${value} is not an integer`);
  const big = BigInt(value);
  if (!bin) {
    if (big >= -(2n ** 31n) && big < 2n ** 31n) out.ascii(`I${big}\n`);
    else out.ascii(`L${big}L\n`);
    return;
  }
  if (big >= 0n && big < 256n) {
    out.byte(OP.BININT1);
    out.byte(Number(big));
  } else if (big >= 0n && big < 65536n) {
    out.byte(OP.BININT2);
    out.byte(Number(big) & 0xff);
    out.byte(Number(big) >> 8);
  } else if (big >= -(2n ** 31n) && big < 2n ** 31n) {
    out.byte(OP.BININT);
    out.u32le(Number(big) >>> 0);
  } else {
    const b = longBytes(big);
    if (b.length < 256) {
      out.byte(OP.LONG1);
      out.byte(b.length);
    } else {
      out.byte(OP.LONG4);
      out.u32le(b.length);
    }
    out.bytes(b);
  }
}

/** Two's complement, little-endian, shortest form (pickle's encode_long). */
export function longBytes(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0);
  const bytesOut: number[] = [];
  let x = n;
  for (;;) {
    bytesOut.push(Number(x & 0xffn));
    x >>= 8n;
    const last = bytesOut[bytesOut.length - 1]!;
    if ((x === 0n && (last & 0x80) === 0) || (x === -1n && (last & 0x80) !== 0)) break;
  }
  return Uint8Array.from(bytesOut);
}

function writeFloat(out: Out, v: number, bin: boolean): void {
  if (bin) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    out.byte(OP.BINFLOAT);
    out.bytes(b);
    return;
  }
  // JS's shortest round-trip form is what Python's float() reads back, except "1e+300" needs no ".0".
  const plain = String(v);
  const text = Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : /[.e]/.test(plain) ? plain : `${plain}.0`;
  out.ascii(`F${text}\n`);
}
