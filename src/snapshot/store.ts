// Compact storage of a decoded graph: struct-of-arrays, one row per node, children in one CSR
// array, string payloads kept as byte ranges of the pickle and decoded on demand. `Node` views
// are built only when asked for. Kept this way because one JS object per node costs ~10× the
// memory on snapshots of 100 MB (measured in bench/decode.ts).

/** Internal node kinds (finer than the contract's `NodeKind`: they say how to read the row). */
export const K = {
  NONE: 0,
  TRUE: 1,
  FALSE: 2,
  INT: 3, // a = value (int32)
  BIGINT: 4, // a = index into `bigs`
  FLOAT: 5, // a = index into `floats`
  STR_UTF8: 6, // a = start, b = length (BINUNICODE*)
  STR_RAWUNI: 7, // a, b: raw-unicode-escape payload (UNICODE)
  STR_LATIN1: 8, // a, b: bytes are code points (UNICODE without escapes, PERSID line)
  BYTES_PY2: 9, // a, b: raw bytes (BINSTRING, SHORT_BINSTRING, STRING without escapes)
  BYTES_PY2_ESC: 10, // a, b: body of a `S'...'` literal with escapes
  BYTES: 11, // a, b (BINBYTES*)
  BYTEARRAY: 12, // a, b
  LIST: 13,
  TUPLE: 14,
  DICT: 15,
  SET: 16,
  FROZENSET: 17,
  GLOBAL_LINE: 18, // a = module line start, b = name line start (GLOBAL, INST)
  GLOBAL_STACK: 19, // a = module str node, b = name str node (STACK_GLOBAL)
  INST_INST: 20,
  INST_OBJ: 21,
  INST_NEWOBJ: 22,
  INST_NEWOBJ_EX: 23,
  INST_RECON: 24,
  INST_NEWOBJ_REDUCE: 25,
  CALL: 26,
  PERSID: 27, // a = pid node
  EXT: 28, // a = code
  BUFFER: 29,
  BUFFER_RO: 30,
} as const;

/**
 * Roles of an instance's/call's children, in edge order. After `finalize`, an instance's
 * children lie in CSR grouped by role, and `aux[b * ROLES + role]` counts each group.
 */
export const R = {
  CLS: 0, // class (instance) or callable (call)
  ARG: 1, // INST/OBJ arguments, one slot each
  ARGTUPLE: 2, // a tuple node whose items are the arguments (call: the args node itself)
  ARGTUPLE1: 3, // same, skipping the tuple's first item (reconstructor, __newobj__)
  KWARGS: 4,
  STATE: 5, // one slot per BUILD (the last one wins, as in Python)
  LITEM: 6, // APPEND(S)/ADDITEMS onto the object
  DITEM: 7, // SETITEM(S) onto the object: key, value, key, value…
} as const;
export const ROLES = 8;

export function isInstanceKind(k: number): boolean {
  return k >= K.INST_INST && k <= K.INST_NEWOBJ_REDUCE;
}

export function isStrKind(k: number): boolean {
  return k === K.STR_UTF8 || k === K.STR_RAWUNI || k === K.STR_LATIN1;
}

export function isBytesPy2Kind(k: number): boolean {
  return k === K.BYTES_PY2 || k === K.BYTES_PY2_ESC;
}

/** Kinds whose children are one contiguous pool range from the start (a = start, b = count). */
export function isDirectKind(k: number): boolean {
  return k === K.TUPLE || k === K.FROZENSET;
}

/** Kinds whose children arrive over time, as a chain of pool segments (a = head, b = tail). */
export function isChainKind(k: number): boolean {
  return k === K.LIST || k === K.DICT || k === K.SET || k === K.CALL || isInstanceKind(k);
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let cap = a.length * 2;
  while (cap < need) cap *= 2;
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/**
 * The growable tables the decoder fills. Capacities start at an upper bound taken from the
 * input size: typed arrays are zero-filled by calloc, whose untouched pages cost no memory, so
 * a generous bound costs address space only and spares the copies of doubling.
 */
export class NodeTable {
  kinds: Uint8Array;
  offs: Uint32Array;
  a: Int32Array;
  b: Int32Array;
  count = 0;
  pool: Int32Array;
  poolUsed = 0;
  segStart: Int32Array;
  segLen: Int32Array;
  segNext: Int32Array;
  segRole: Uint8Array;
  segCount = 0;
  floats: number[] = [];
  bigs: Array<number | bigint> = [];

  constructor(
    inputSize: number,
    readonly maxNodes: number,
  ) {
    const nodeCap = Math.max(64, Math.min(maxNodes, inputSize) + 16);
    this.kinds = new Uint8Array(nodeCap);
    this.offs = new Uint32Array(nodeCap);
    this.a = new Int32Array(nodeCap);
    this.b = new Int32Array(nodeCap);
    const poolCap = Math.max(64, inputSize + 16);
    this.pool = new Int32Array(poolCap);
    const segCap = Math.max(64, Math.min(inputSize, nodeCap) + 16);
    this.segStart = new Int32Array(segCap);
    this.segLen = new Int32Array(segCap);
    this.segNext = new Int32Array(segCap);
    this.segRole = new Uint8Array(segCap);
  }

  /** Adds a node; returns its id, or -1 when `maxNodes` is reached. */
  add(kind: number, offset: number, a: number, b: number): number {
    const id = this.count;
    if (id >= this.maxNodes) return -1;
    if (id >= this.kinds.length) {
      this.kinds = grow(this.kinds, id + 1);
      this.offs = grow(this.offs, id + 1);
      this.a = grow(this.a, id + 1);
      this.b = grow(this.b, id + 1);
    }
    this.kinds[id] = kind;
    this.offs[id] = offset;
    this.a[id] = a;
    this.b[id] = b;
    this.count = id + 1;
    return id;
  }

  /** Copies `src[from..to)` into the pool; returns the start. */
  poolPush(src: Int32Array, from: number, to: number): number {
    const start = this.poolUsed;
    const n = to - from;
    if (start + n > this.pool.length) this.pool = grow(this.pool, start + n);
    if (n < 16) for (let i = 0; i < n; i++) this.pool[start + i] = src[from + i]!;
    else this.pool.set(src.subarray(from, to), start);
    this.poolUsed = start + n;
    return start;
  }

  poolPush1(v: number): number {
    const start = this.poolUsed;
    if (start >= this.pool.length) this.pool = grow(this.pool, start + 1);
    this.pool[start] = v;
    this.poolUsed = start + 1;
    return start;
  }

  /** Appends a segment `pool[start..start+len)` with `role` to the chain of node `id`. */
  chain(id: number, start: number, len: number, role: number): void {
    const s = this.segCount;
    if (s >= this.segStart.length) {
      this.segStart = grow(this.segStart, s + 1);
      this.segLen = grow(this.segLen, s + 1);
      this.segNext = grow(this.segNext, s + 1);
      this.segRole = grow(this.segRole, s + 1);
    }
    this.segStart[s] = start;
    this.segLen[s] = len;
    this.segNext[s] = -1;
    this.segRole[s] = role;
    this.segCount = s + 1;
    const tail = this.b[id]!;
    if (tail < 0) this.a[id] = s;
    else this.segNext[tail] = s;
    this.b[id] = s;
  }

  /**
   * Lays every node's children out contiguously (CSR), instance children grouped by role.
   * Afterwards, for containers a = CSR start and b = count; for instances and calls
   * a = CSR start and b = row in `aux`.
   */
  finalize(): { csr: Int32Array; aux: Int32Array } {
    const { kinds, a, b, pool, segStart, segLen, segNext, segRole } = this;
    const n = this.count;
    let objects = 0;
    for (let id = 0; id < n; id++) {
      const k = kinds[id]!;
      if (k === K.CALL || isInstanceKind(k)) objects++;
    }
    const csr = new Int32Array(Math.max(1, this.poolUsed));
    const aux = new Int32Array(Math.max(1, objects * ROLES));
    let w = 0;
    let row = 0;
    const copy = (s: number): void => {
      const st = segStart[s]!;
      const len = segLen[s]!;
      if (len < 16) for (let i = 0; i < len; i++) csr[w + i] = pool[st + i]!;
      else csr.set(pool.subarray(st, st + len), w);
      w += len;
    };
    for (let id = 0; id < n; id++) {
      const k = kinds[id]!;
      if (isDirectKind(k)) {
        const st = a[id]!;
        const len = b[id]!;
        a[id] = w;
        if (len < 16) for (let i = 0; i < len; i++) csr[w + i] = pool[st + i]!;
        else csr.set(pool.subarray(st, st + len), w);
        w += len;
      } else if (k === K.LIST || k === K.DICT || k === K.SET) {
        const start = w;
        for (let s = a[id]!; s >= 0; s = segNext[s]!) copy(s);
        a[id] = start;
        b[id] = w - start;
      } else if (k === K.CALL || isInstanceKind(k)) {
        const start = w;
        const head = a[id]!;
        for (let role = 0; role < ROLES; role++) {
          const before = w;
          for (let s = head; s >= 0; s = segNext[s]!) if (segRole[s] === role) copy(s);
          aux[row * ROLES + role] = w - before;
        }
        a[id] = start;
        b[id] = row++;
      }
    }
    // The pool and segments are not needed any more: let them be collected.
    this.pool = new Int32Array(0);
    this.segStart = this.segLen = this.segNext = new Int32Array(0);
    this.segRole = new Uint8Array(0);
    return { csr, aux };
  }
}
