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
  FLOAT: 5, // a, b = low and high 32 bits of the double
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
 * Node offsets, 2 bytes a node: node ids follow the stream, so offsets grow with ids; each block
 * of 64 nodes keeps its first offset, each node its distance from it. The rare distance of 64K
 * or more (a long string inside the block) is kept exactly in a Map.
 */
export class Offsets {
  private base: Uint32Array;
  private lo: Uint16Array;
  private readonly far = new Map<number, number>();

  constructor(cap: number) {
    this.lo = new Uint16Array(cap);
    this.base = new Uint32Array((cap >>> 6) + 1);
  }

  set(id: number, offset: number): void {
    if (id >= this.lo.length) {
      const lo = new Uint16Array(Math.max(id + 1, this.lo.length * 2));
      lo.set(this.lo);
      this.lo = lo;
      const base = new Uint32Array((lo.length >>> 6) + 1);
      base.set(this.base);
      this.base = base;
    }
    const block = id >>> 6;
    if ((id & 63) === 0) this.base[block] = offset;
    const delta = offset - this.base[block]!;
    if (delta >= 0 && delta < 0xffff) this.lo[id] = delta;
    else {
      this.lo[id] = 0xffff;
      this.far.set(id, offset);
    }
  }

  get(id: number): number {
    const d = this.lo[id]!;
    return d === 0xffff ? this.far.get(id)! : this.base[id >>> 6]! + d;
  }
}

/**
 * The growable tables the decoder fills. Capacities start at an upper bound taken from the
 * input size: typed arrays are zero-filled by calloc, whose untouched pages cost no memory, so
 * a generous bound costs address space only and spares the copies of doubling.
 */
export class NodeTable {
  kinds: Uint8Array;
  offs: Offsets;
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
  bigs: Array<number | bigint> = [];

  constructor(
    inputSize: number,
    readonly maxNodes: number,
  ) {
    // Real pickles spend 8-16 bytes per node; a quarter of the input size is a safe start.
    const nodeCap = Math.max(64, Math.min(maxNodes, inputSize >>> 2) + 16);
    this.kinds = new Uint8Array(nodeCap);
    this.offs = new Offsets(nodeCap);
    this.a = new Int32Array(nodeCap);
    this.b = new Int32Array(nodeCap);
    const poolCap = Math.max(64, (inputSize >>> 2) + 16);
    this.pool = new Int32Array(poolCap);
    const segCap = Math.max(64, (inputSize >>> 3) + 16);
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
      this.a = grow(this.a, id + 1);
      this.b = grow(this.b, id + 1);
    }
    this.kinds[id] = kind;
    this.offs.set(id, offset);
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

  private newSeg(start: number, len: number, role: number): number {
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
    return s;
  }

  /**
   * Adds `pool[start..start+len)` to the children of node `id`.
   * Lists, dicts and sets keep their first run inline (a = start, b = count, b ≥ 0) and extend
   * it while runs are adjacent; only scattered children spill into a chain of segments
   * (a = head, b = -(tail + 1)). Instances and calls always chain (a = head, b = tail, -1 = none),
   * since their segments carry roles.
   */
  chain(id: number, start: number, len: number, role: number): void {
    const k = this.kinds[id]!;
    if (k === K.LIST || k === K.DICT || k === K.SET) {
      const a = this.a[id]!;
      const b = this.b[id]!;
      if (b >= 0) {
        if (b === 0) {
          this.a[id] = start;
          this.b[id] = len;
        } else if (start === a + b) {
          this.b[id] = b + len;
        } else {
          const first = this.newSeg(a, b, role);
          const second = this.newSeg(start, len, role);
          this.segNext[first] = second;
          this.a[id] = first;
          this.b[id] = -(second + 1);
        }
      } else {
        const s = this.newSeg(start, len, role);
        this.segNext[-b - 1] = s;
        this.b[id] = -(s + 1);
      }
      return;
    }
    const s = this.newSeg(start, len, role);
    const tail = this.b[id]!;
    if (tail < 0) this.a[id] = s;
    else this.segNext[tail] = s;
    this.b[id] = s;
  }

  /** Appends `pool[st..st+len)` at the end of the pool (which may move). */
  private relocate(st: number, len: number): void {
    const w = this.poolUsed;
    if (w + len > this.pool.length) this.pool = grow(this.pool, w + len);
    this.pool.copyWithin(w, st, st + len);
    this.poolUsed = w + len;
  }

  /**
   * Lays every node's children out contiguously (CSR), instance children grouped by role.
   * The pool itself becomes the CSR array: a node whose children already lie in one run (most
   * do: one APPENDS, one SETITEMS) keeps them in place; the others are copied to the pool's end.
   * Afterwards, for containers a = CSR start and b = count; for instances and calls
   * a = CSR start and b = row in `aux`.
   */
  finalize(): { csr: Int32Array; aux: Int32Array } {
    const { kinds, a, b, segStart, segLen, segNext, segRole } = this;
    const n = this.count;
    let objects = 0;
    for (let id = 0; id < n; id++) {
      const k = kinds[id]!;
      if (k === K.CALL || isInstanceKind(k)) objects++;
    }
    const aux = new Int32Array(Math.max(1, objects * ROLES));
    let row = 0;
    for (let id = 0; id < n; id++) {
      const k = kinds[id]!;
      const isObject = k === K.CALL || isInstanceKind(k);
      if (!isObject && k !== K.LIST && k !== K.DICT && k !== K.SET) continue;
      if (!isObject && b[id]! >= 0) continue; // one inline run: already (start, count)
      const head = a[id]!;
      // One pass: is the chain one run of the pool, in role order?
      let inPlace = true;
      let sorted = true;
      let total = 0;
      for (let s = head, prev = 0, end = head >= 0 ? segStart[head]! : 0; s >= 0; s = segNext[s]!) {
        if (segStart[s] !== end) inPlace = false;
        if (segRole[s]! < prev) sorted = false;
        prev = segRole[s]!;
        end = segStart[s]! + segLen[s]!;
        total += segLen[s]!;
      }
      let start: number;
      if (head < 0) start = 0;
      else if (inPlace && sorted) start = segStart[head]!;
      else {
        start = this.poolUsed;
        if (sorted || !isObject) {
          for (let s = head; s >= 0; s = segNext[s]!) this.relocate(segStart[s]!, segLen[s]!);
        } else {
          for (let role = 0; role < ROLES; role++) {
            for (let s = head; s >= 0; s = segNext[s]!) if (segRole[s] === role) this.relocate(segStart[s]!, segLen[s]!);
          }
        }
      }
      a[id] = start;
      if (isObject) {
        const base = row * ROLES;
        for (let s = head; s >= 0; s = segNext[s]!) aux[base + segRole[s]!] += segLen[s]!;
        b[id] = row++;
      } else {
        b[id] = total;
      }
    }
    // The segments are not needed any more: let them be collected.
    this.segStart = this.segLen = this.segNext = new Int32Array(0);
    this.segRole = new Uint8Array(0);
    return { csr: this.pool, aux };
  }
}
