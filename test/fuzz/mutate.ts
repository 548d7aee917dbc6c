// A mutational input generator for pickle streams: byte-level and opcode-aware mutations over a
// corpus of real pickles. Hand-written rather than fast-check: fast-check generates values from
// arbitraries and shrinks them; what finds decoder bugs is mutating *real* streams at opcode
// boundaries and in length fields, which needs the opcode layout (./opcodes.ts).
//
// Determinism: input `index` of run `seed` depends only on (seed, index, corpus), so any input can
// be re-made from its numbers, and a crashed worker can resume at index + 1.
import { OPCODES, splitOps, type Op } from './opcodes.js';

export interface CorpusEntry {
  name: string;
  data: Uint8Array;
}

export interface FuzzInput {
  data: Uint8Array;
  base: string;
  mutations: string[];
}

/** mulberry32: a tiny fast PRNG with a 32-bit state; plenty for choosing mutations. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
}

/** Mixes a run seed and an input index into one PRNG seed (splitmix-style avalanche). */
export function inputSeed(seed: number, index: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x28, 0x2e, 0x5c, 0x27];
const INTERESTING_U64: bigint[] = [
  0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0xffffn, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn,
  1n << 32n, 1n << 53n, (1n << 53n) + 1n, 1n << 60n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n,
];
const INTERESTING_TEXT = [
  '', '0', '-0', '-1', '01', '00', '1L', '-1L', '99999999999999999999999', '-99999999999999999999999',
  '1e308', '1e309', '-1e309', 'nan', 'inf', '-inf', '0x10', ' 1', '1 ', '+1', '1_000', "'a'", '"a"',
  "'\\x'", "'\\xzz'", "'\\777'", "'", "'a", 'a\'', "'\\'", 'os', 'os\nsystem', '\u00e9', '\\u00e9', '\\U0010ffff',
  '\\U00110000', '\\ud800',
];

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const enc = new TextEncoder();

function writeField(data: Uint8Array, at: number, width: 1 | 2 | 4 | 8, value: bigint): Uint8Array {
  const out = data.slice();
  let v = BigInt.asUintN(width * 8, value);
  for (let i = 0; i < width; i++) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A small random opcode with a plausible argument, for insertions. */
function randomOp(rng: Rng): Uint8Array {
  const info = rng.pick(OPCODES);
  const b = [info.code];
  switch (info.arg) {
    case 'none':
      break;
    case 'u1':
    case 'len1': {
      const n = rng.chance(0.5) ? rng.int(4) : rng.int(256);
      b.push(n);
      if (info.arg === 'len1') for (let i = 0; i < n && i < 16; i++) b.push(0x61 + rng.int(26));
      break;
    }
    case 'u2':
      b.push(rng.int(256), rng.int(256));
      break;
    case 'u4':
    case 'i4':
      b.push(rng.int(8), 0, 0, rng.chance(0.1) ? 0x80 : 0);
      break;
    case 'len4':
    case 'slen4': {
      const n = rng.int(6);
      b.push(n, 0, 0, 0);
      for (let i = 0; i < n; i++) b.push(0x61 + rng.int(26));
      break;
    }
    case 'len8':
    case 'u8': {
      const n = rng.int(6);
      b.push(n, 0, 0, 0, 0, 0, 0, 0);
      if (info.arg === 'len8') for (let i = 0; i < n; i++) b.push(0x61 + rng.int(26));
      break;
    }
    case 'f8':
      for (let i = 0; i < 8; i++) b.push(rng.int(256));
      break;
    case 'line':
      b.push(...enc.encode(rng.pick(INTERESTING_TEXT)), 0x0a);
      break;
    case 'line2':
      b.push(...enc.encode(rng.pick(['os', 'builtins', '__builtin__', 'copy_reg', 'copyreg', 'x'])), 0x0a);
      b.push(...enc.encode(rng.pick(['system', 'eval', '_reconstructor', '__newobj__', 'object', ''])), 0x0a);
      break;
  }
  return Uint8Array.from(b);
}

type Mutation = (d: Uint8Array, rng: Rng, ops: Op[], corpus: readonly CorpusEntry[]) => [Uint8Array, string] | undefined;

const byteMutations: Record<string, Mutation> = {
  bitflip: (d, rng) => {
    if (d.length === 0) return undefined;
    const out = d.slice();
    const at = rng.int(d.length);
    out[at]! ^= 1 << rng.int(8);
    return [out, `bitflip@${at}`];
  },
  setbyte: (d, rng) => {
    if (d.length === 0) return undefined;
    const out = d.slice();
    const at = rng.int(d.length);
    out[at] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.pick(OPCODES).code;
    return [out, `setbyte@${at}=${out[at]}`];
  },
  insert: (d, rng) => {
    const at = rng.int(d.length + 1);
    const n = 1 + rng.int(8);
    const ins = new Uint8Array(n).map(() => rng.int(256));
    return [concat(d.subarray(0, at), ins, d.subarray(at)), `insert@${at}+${n}`];
  },
  delete: (d, rng) => {
    if (d.length < 2) return undefined;
    const at = rng.int(d.length);
    const n = 1 + rng.int(Math.min(16, d.length - at));
    return [concat(d.subarray(0, at), d.subarray(at + n)), `delete@${at}-${n}`];
  },
  duplicate: (d, rng) => {
    if (d.length === 0) return undefined;
    const at = rng.int(d.length);
    const n = 1 + rng.int(Math.min(32, d.length - at));
    const times = 1 + rng.int(rng.chance(0.1) ? 64 : 3);
    const parts = [d.subarray(0, at + n)];
    for (let i = 0; i < times; i++) parts.push(d.subarray(at, at + n));
    parts.push(d.subarray(at + n));
    return [concat(...parts), `duplicate@${at}:${n}x${times}`];
  },
  truncate: (d, rng) => {
    if (d.length === 0) return undefined;
    const at = rng.int(d.length);
    return [d.slice(0, at), `truncate@${at}`];
  },
  splice: (d, rng, _ops, corpus) => {
    const other = rng.pick(corpus).data;
    const a = rng.int(d.length + 1);
    const b = rng.int(other.length + 1);
    return [concat(d.subarray(0, a), other.subarray(b)), `splice@${a}<-${b}`];
  },
};

const opMutations: Record<string, Mutation> = {
  'op-replace': (d, rng, ops) => {
    if (ops.length === 0) return undefined;
    const op = rng.pick(ops);
    const out = d.slice();
    out[op.pos] = rng.pick(OPCODES).code;
    return [out, `op-replace@${op.pos}:${op.info.name}->${out[op.pos]}`];
  },
  'op-insert': (d, rng, ops) => {
    const at = ops.length === 0 ? 0 : rng.pick(ops).pos;
    const ins = randomOp(rng);
    return [concat(d.subarray(0, at), ins, d.subarray(at)), `op-insert@${at}:${ins[0]}`];
  },
  'op-delete': (d, rng, ops) => {
    if (ops.length === 0) return undefined;
    const op = rng.pick(ops);
    return [concat(d.subarray(0, op.pos), d.subarray(op.end)), `op-delete@${op.pos}:${op.info.name}`];
  },
  'op-duplicate': (d, rng, ops) => {
    if (ops.length === 0) return undefined;
    const i = rng.int(ops.length);
    const j = Math.min(ops.length - 1, i + rng.int(4));
    const seg = d.subarray(ops[i]!.pos, ops[j]!.end);
    const times = 1 + rng.int(rng.chance(0.1) ? 100 : 3);
    const parts = [d.subarray(0, ops[j]!.end)];
    for (let k = 0; k < times; k++) parts.push(seg);
    parts.push(d.subarray(ops[j]!.end));
    return [concat(...parts), `op-duplicate@${ops[i]!.pos}..${ops[j]!.end}x${times}`];
  },
  'op-swap': (d, _rng, ops) => {
    if (ops.length < 2) return undefined;
    const i = _rng.int(ops.length - 1);
    const a = ops[i]!;
    const b = ops[i + 1]!;
    return [
      concat(d.subarray(0, a.pos), d.subarray(b.pos, b.end), d.subarray(a.pos, a.end), d.subarray(b.end)),
      `op-swap@${a.pos}:${a.info.name}<>${b.info.name}`,
    ];
  },
  'op-splice': (d, rng, ops, corpus) => {
    const other = rng.pick(corpus).data;
    const oops = splitOps(other);
    if (oops.length === 0) return undefined;
    const i = rng.int(oops.length);
    const j = Math.min(oops.length - 1, i + rng.int(8));
    const at = ops.length === 0 ? 0 : rng.pick(ops).pos;
    return [
      concat(d.subarray(0, at), other.subarray(oops[i]!.pos, oops[j]!.end), d.subarray(at)),
      `op-splice@${at}<-${oops[i]!.pos}..${oops[j]!.end}`,
    ];
  },
  'len-field': (d, rng, ops) => {
    const withField = ops.filter((o) => o.field);
    if (withField.length === 0) return undefined;
    const op = rng.pick(withField);
    const f = op.field!;
    let v: bigint;
    if (rng.chance(0.5)) v = rng.pick(INTERESTING_U64);
    else {
      // Off by a little from the real value: the classic length bug.
      let cur = 0n;
      for (let i = f.width - 1; i >= 0; i--) cur = (cur << 8n) | BigInt(d[f.at + i]!);
      v = cur + BigInt(rng.int(5) - 2);
    }
    return [writeField(d, f.at, f.width, v), `len-field@${op.pos}:${op.info.name}=${v}`];
  },
  'line-arg': (d, rng, ops) => {
    const withLine = ops.filter((o) => o.line);
    if (withLine.length === 0) return undefined;
    const op = rng.pick(withLine);
    const text = enc.encode(rng.pick(INTERESTING_TEXT));
    return [concat(d.subarray(0, op.line!.at), text, d.subarray(op.line!.end)), `line-arg@${op.pos}:${op.info.name}`];
  },
};

const ALL: Array<[string, Mutation]> = [...Object.entries(byteMutations), ...Object.entries(opMutations)];

/** Opcodes that make or combine objects, drawn more often than the rest when generating. */
const BUILDERS = [
  0x28, 0x28, 0x5d, 0x29, 0x7d, 0x8f, 0x4e, 0x88, 0x4b, 0x61, 0x65, 0x73, 0x75, 0x74, 0x6c, 0x64, 0x85, 0x86, 0x87,
  0x52, 0x62, 0x81, 0x92, 0x93, 0x6f, 0x90, 0x91, 0x94, 0x32, 0x30, 0x31, 0x51, 0x97, 0x98, 0x68,
];

function generated(rng: Rng): FuzzInput {
  const parts: Uint8Array[] = [Uint8Array.from([0x80, rng.int(6)])];
  const n = 1 + rng.int(40);
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.6)) {
      const code = rng.pick(BUILDERS);
      parts.push(code === 0x68 ? Uint8Array.from([code, rng.int(4)]) : Uint8Array.from([code]));
    } else if (rng.chance(0.3)) {
      parts.push(Uint8Array.from([0x63, ...enc.encode(rng.pick(['copyreg\n_reconstructor\n', 'copy_reg\n_reconstructor\n', 'copyreg\n__newobj__\n', 'copyreg\n__newobj_ex__\n', 'builtins\nobject\n', 'os\nsystem\n', '__builtin__\nset\n']))]));
    } else parts.push(randomOp(rng));
  }
  parts.push(Uint8Array.from([0x2e]));
  return { data: concat(...parts), base: 'generated', mutations: [`generated:${n}-ops`] };
}

/**
 * Input `index` of the run `seed`: a corpus entry with 1–8 stacked mutations. Sizes are capped
 * (maxLen) so that one input cannot make the run slow by itself being huge.
 */
export function makeInput(corpus: readonly CorpusEntry[], seed: number, index: number, maxLen = 1 << 20): FuzzInput {
  const rng = new Rng(inputSeed(seed, index));
  // Some inputs are made from scratch: random opcode sequences explore the stack machine's
  // type confusions (BUILD on a list, SETITEMS on an instance, ...) that real pickles never show.
  if (rng.chance(0.15)) return generated(rng);
  const base = rng.pick(corpus);
  let data = base.data;
  const mutations: string[] = [];
  const count = 1 + (rng.chance(0.5) ? 0 : rng.int(rng.chance(0.3) ? 8 : 3));
  for (let k = 0; k < count; k++) {
    // Opcode-aware mutations need the split of the current data; recompute only when used.
    const [name, m] = ALL[rng.int(ALL.length)]!;
    const ops = name in opMutations ? splitOps(data) : [];
    const r = m(data, rng, ops, corpus);
    if (!r) continue;
    if (r[0].length > maxLen) continue;
    data = r[0];
    mutations.push(r[1]);
  }
  return { data, base: base.name, mutations };
}
