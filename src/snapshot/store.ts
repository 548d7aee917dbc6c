// Compact storage of a decoded graph: struct-of-arrays, one row per node, children in one CSR
// array, string payloads kept as byte ranges of the pickle and decoded on demand. `Node` views
// are built only when asked for. Kept this way because one JS object per node costs ~10× the
// memory on snapshots of 100 MB (measured in bench/decode.ts).

/**
 * Internal node kinds (finer than the contract's `NodeKind`: they say how to read the row).
 * Scalars keep only kind and offset (scalars.ts reads their value again); the others are
 * "ranked": they also have a row in the `a`/`b` columns, found by their rank among ranked nodes.
 */
export const K = {
  NONE: 0,
  TRUE: 1,
  FALSE: 2,
  INT: 3, // value read at the offset
  BIGINT: 4, // ranked: a = index into `bigs`
  FLOAT: 5, // value read at the offset
  // strings and bytes: the payload is found from the opcode at the offset (scalars.ts)
  STR_UTF8: 6, // BINUNICODE*
  STR_RAWUNI: 7, // raw-unicode-escape payload (UNICODE)
  STR_LATIN1: 8, // bytes are code points (UNICODE without escapes, PERSID line)
  BYTES_PY2: 9, // raw bytes (BINSTRING, SHORT_BINSTRING, STRING without escapes)
  BYTES_PY2_ESC: 10, // body of a `S'...'` literal with escapes
  BYTES: 11, // BINBYTES*
  BYTEARRAY: 12, // BYTEARRAY8
  LIST: 13,
  TUPLE: 14,
  DICT: 15,
  SET: 16,
  FROZENSET: 17,
  GLOBAL_LINE: 18, // module and name lines at the offset (GLOBAL, INST)
  GLOBAL_STACK: 19, // ranked: a = module str node, b = name str node (STACK_GLOBAL)
  INST_INST: 20,
  INST_OBJ: 21,
  INST_NEWOBJ: 22,
  INST_NEWOBJ_EX: 23,
  INST_RECON: 24,
  INST_NEWOBJ_REDUCE: 25,
  CALL: 26,
  PERSID: 27, // ranked: a = pid node
  EXT: 28, // code read at the offset
  BUFFER: 29,
  BUFFER_RO: 30,
} as const;

/**
 * Roles of an instance's/call's children, in edge order. After `finalize`, an instance's
 * children lie in CSR grouped by role, and `aux.get(b * ROLES + role)` counts each group.
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

const RANKED_KINDS = new Uint8Array(32);
for (const k of [K.BIGINT, K.LIST, K.TUPLE, K.DICT, K.SET, K.FROZENSET, K.GLOBAL_STACK, K.CALL, K.PERSID]) RANKED_KINDS[k] = 1;
for (let k: number = K.INST_INST; k <= K.INST_NEWOBJ_REDUCE; k++) RANKED_KINDS[k] = 1;

/** Whether nodes of kind `k` have a row in the a/b columns. */
export function isRanked(k: number): boolean {
  return RANKED_KINDS[k] === 1;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Which nodes are ranked, and the rank of each: one bit a node, and the count of ranked nodes
 * before each 32-node word. 0.25 bytes a node.
 */
export class Ranks {
  bits: Uint32Array;
  cum: Uint32Array;
  count = 0;

  constructor(cap: number) {
    this.bits = new Uint32Array((cap >>> 5) + 1);
    this.cum = new Uint32Array((cap >>> 5) + 1);
  }

  /** Records node `id` (ids come in order); returns its rank, or -1 when it is not ranked. */
  add(id: number, ranked: boolean): number {
    const w = id >>> 5;
    if (w >= this.bits.length) {
      this.bits = grow(this.bits, w + 1);
      this.cum = grow(this.cum, w + 1);
    }
    if ((id & 31) === 0) this.cum[w] = this.count;
    if (!ranked) return -1;
    this.bits[w]! |= 1 << (id & 31);
    return this.count++;
  }

  rank(id: number): number {
    const w = id >>> 5;
    return this.cum[w]! + popcount(this.bits[w]! & ((1 << (id & 31)) - 1));
  }
}

/**
 * The head of an instance or call: its class (callable) and arguments, pushed to the pool in one
 * run when the object is made. The role of each head slot, by kind and head length.
 */
export function headRoles(kind: number, len: number): number[] {
  if (kind === K.INST_INST || kind === K.INST_OBJ) return [R.CLS, ...new Array<number>(len - 1).fill(R.ARG)];
  if (len === 3) return [R.CLS, R.ARGTUPLE, R.KWARGS]; // NEWOBJ_EX, __newobj_ex__
  if (kind === K.INST_RECON || kind === K.INST_NEWOBJ_REDUCE) return [R.CLS, R.ARGTUPLE1];
  return [R.CLS, R.ARGTUPLE]; // NEWOBJ, CALL
}

/** Length of the head an object may have and still be kept "simple" (no segments), else 0. */
function simpleHeadLen(kind: number): number {
  if (kind === K.INST_INST || kind === K.INST_OBJ) return 1;
  if (kind === K.INST_NEWOBJ || kind === K.CALL || kind === K.INST_RECON || kind === K.INST_NEWOBJ_REDUCE) return 2;
  return 0;
}

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
 * Counts of an object's children per role: a byte each (they are 0 or 1 nearly always); 255
 * means "see the Map".
 */
export class RoleCounts {
  private readonly bytes: Uint8Array;
  private readonly big = new Map<number, number>();

  constructor(n: number) {
    this.bytes = new Uint8Array(Math.max(1, n));
  }

  get(i: number): number {
    const v = this.bytes[i]!;
    return v === 255 ? this.big.get(i)! : v;
  }

  add(i: number, n: number): void {
    const v = this.get(i) + n;
    if (v < 255) this.bytes[i] = v;
    else {
      this.bytes[i] = 255;
      this.big.set(i, v);
    }
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
  ranks: Ranks;
  /** Indexed by rank (see Ranks), for ranked nodes only. */
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
    this.ranks = new Ranks(nodeCap);
    // About a third of the nodes of real snapshots are ranked (containers, instances).
    this.a = new Int32Array((nodeCap >>> 1) + 16);
    this.b = new Int32Array((nodeCap >>> 1) + 16);
    const poolCap = Math.max(64, (inputSize >>> 2) + 16);
    this.pool = new Int32Array(poolCap);
    const segCap = Math.max(64, (inputSize >>> 3) + 16);
    this.segStart = new Int32Array(segCap);
    this.segLen = new Int32Array(segCap);
    this.segNext = new Int32Array(segCap);
    this.segRole = new Uint8Array(segCap);
  }

  /** Adds a node (a and b are kept for ranked kinds only); returns its id, or -1 when `maxNodes` is reached. */
  add(kind: number, offset: number, a: number, b: number): number {
    const id = this.count;
    if (id >= this.maxNodes) return -1;
    if (id >= this.kinds.length) this.kinds = grow(this.kinds, id + 1);
    this.kinds[id] = kind;
    this.offs.set(id, offset);
    const r = this.ranks.add(id, RANKED_KINDS[kind] === 1);
    if (r >= 0) {
      if (r >= this.a.length) {
        this.a = grow(this.a, r + 1);
        this.b = grow(this.b, r + 1);
      }
      this.a[r] = a;
      this.b[r] = b;
    }
    this.count = id + 1;
    return id;
  }

  /** The row of a ranked node in the a/b columns. */
  rank(id: number): number {
    return this.ranks.rank(id);
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
   * Adds an instance or call whose head (class, arguments) is `pool[start..start+len)`.
   * Most objects are "simple": a head of the usual length and at most one BUILD state. They
   * keep no segments: a = head start, b = state + 1 (0: none). Any other object chains
   * segments (a = head segment, b = -(tail + 1)).
   */
  addObject(kind: number, offset: number, start: number, len: number): number {
    if (len === simpleHeadLen(kind)) return this.add(kind, offset, start, 0);
    const id = this.add(kind, offset, -1, -1);
    if (id < 0) return id;
    const r = this.ranks.rank(id);
    const roles = headRoles(kind, len);
    let tail = -1;
    for (let i = 0; i < len; ) {
      // one segment per run of equal roles
      let j = i + 1;
      while (j < len && roles[j] === roles[i]) j++;
      const s = this.newSeg(start + i, j - i, roles[i]!);
      if (tail < 0) this.a[r] = s;
      else this.segNext[tail] = s;
      tail = s;
      i = j;
    }
    this.b[r] = -(tail + 1);
    return id;
  }

  /** BUILD: sets the state of an instance or call (a second BUILD is kept too; the last wins). */
  build(id: number, state: number): void {
    const r = this.ranks.rank(id);
    if (this.b[r] === 0) this.b[r] = state + 1;
    else this.chain(id, this.poolPush1(state), 1, R.STATE);
  }

  /** Turns a simple object into a chained one. */
  private unsimplify(id: number, r: number): void {
    const kind = this.kinds[id]!;
    const start = this.a[r]!;
    const len = simpleHeadLen(kind);
    const roles = headRoles(kind, len);
    let head = -1;
    let tail = -1;
    const link = (s: number): void => {
      if (tail < 0) head = s;
      else this.segNext[tail] = s;
      tail = s;
    };
    for (let i = 0; i < len; i++) link(this.newSeg(start + i, 1, roles[i]!));
    const state = this.b[r]!;
    if (state > 0) link(this.newSeg(this.poolPush1(state - 1), 1, R.STATE));
    this.a[r] = head;
    this.b[r] = -(tail + 1);
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
    const r = this.ranks.rank(id);
    if (k === K.LIST || k === K.DICT || k === K.SET) {
      const a = this.a[r]!;
      const b = this.b[r]!;
      if (b >= 0) {
        if (b === 0) {
          this.a[r] = start;
          this.b[r] = len;
        } else if (start === a + b) {
          this.b[r] = b + len;
        } else {
          const first = this.newSeg(a, b, role);
          const second = this.newSeg(start, len, role);
          this.segNext[first] = second;
          this.a[r] = first;
          this.b[r] = -(second + 1);
        }
      } else {
        const s = this.newSeg(start, len, role);
        this.segNext[-b - 1] = s;
        this.b[r] = -(s + 1);
      }
      return;
    }
    // an instance or call
    if (this.b[r]! >= 0) this.unsimplify(id, r);
    const s = this.newSeg(start, len, role);
    this.segNext[-this.b[r]! - 1] = s;
    this.b[r] = -(s + 1);
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
  finalize(): { csr: Int32Array; aux: RoleCounts } {
    const { kinds, a, b, segStart, segLen, segNext, segRole } = this;
    const n = this.count;
    let objects = 0;
    for (let id = 0; id < n; id++) {
      const k = kinds[id]!;
      if (k === K.CALL || isInstanceKind(k)) objects++;
    }
    const aux = new RoleCounts(objects * ROLES);
    let row = 0;
    // Ranks follow ids: walk the ranked nodes in order with a counter.
    for (let id = 0, r = -1; id < n; id++) {
      const k = kinds[id]!;
      if (RANKED_KINDS[k] !== 1) continue;
      r++;
      const isObject = k === K.CALL || isInstanceKind(k);
      if (!isObject && k !== K.LIST && k !== K.DICT && k !== K.SET) continue;
      if (!isObject && b[r]! >= 0) continue; // one inline run: already (start, count)
      if (isObject && b[r]! >= 0) {
        // a simple object: its head run, then its state (copied after the head when there is one)
        const len = simpleHeadLen(k);
        const roles = headRoles(k, len);
        const base = row * ROLES;
        for (const role of roles) aux.add(base + role, 1);
        if (b[r]! > 0) {
          const state = b[r]! - 1;
          const start = this.poolUsed;
          this.relocate(a[r]!, len);
          this.poolPush1(state);
          aux.add(base + R.STATE, 1);
          a[r] = start;
        }
        b[r] = row++;
        continue;
      }
      const head = a[r]!;
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
      a[r] = start;
      if (isObject) {
        const base = row * ROLES;
        for (let s = head; s >= 0; s = segNext[s]!) aux.add(base + segRole[s]!, segLen[s]!);
        b[r] = row++;
      } else {
        b[r] = total;
      }
    }
    // The segments are not needed any more: let them be collected.
    this.segStart = this.segLen = this.segNext = new Int32Array(0);
    this.segRole = new Uint8Array(0);
    return { csr: this.pool, aux };
  }
}
