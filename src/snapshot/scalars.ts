// Scalars are stored as nothing but their kind and offset: their value is read again from the
// pickle bytes on demand (the decoder has already checked them). This keeps two 4-byte columns
// off the ~2/3 of nodes that are ints, strings, floats, None and bools.
import { OP } from './opcodes.js';
import { normaliseInt, parsePyFloat, parsePyInt } from './text.js';

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

function u32(d: Uint8Array, p: number): number {
  return (d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24)) >>> 0;
}

function lineEnd(d: Uint8Array, p: number): number {
  const e = d.indexOf(0x0a, p);
  return e < 0 ? d.length : e;
}

/** The payload `[start, end)` of the string/bytes opcode at `off` (quotes of `S'...'` excluded). */
export function payloadRange(d: Uint8Array, off: number): [number, number] {
  const p = off + 1;
  switch (d[off]) {
    case OP.SHORT_BINSTRING:
    case OP.SHORT_BINUNICODE:
    case OP.SHORT_BINBYTES:
      return [p + 1, p + 1 + d[p]!];
    case OP.BINSTRING:
    case OP.BINUNICODE:
    case OP.BINBYTES:
      return [p + 4, p + 4 + u32(d, p)];
    case OP.BINUNICODE8:
    case OP.BINBYTES8:
    case OP.BYTEARRAY8:
      return [p + 8, p + 8 + u32(d, p) + u32(d, p + 4) * 0x100000000];
    case OP.STRING:
      return [p + 1, lineEnd(d, p) - 1];
    default: // UNICODE, PERSID: the rest of the line
      return [p, lineEnd(d, p)];
  }
}

/** LONG1/LONG4 payload: little-endian two's complement. */
export function twosComplement(d: Uint8Array, start: number, len: number): number | bigint {
  if (len === 0) return 0;
  if (len <= 6) {
    let v = 0;
    for (let i = len - 1; i >= 0; i--) v = v * 256 + d[start + i]!;
    if (d[start + len - 1]! >= 0x80) v -= 2 ** (8 * len);
    return v;
  }
  let hex = '';
  for (let i = len - 1; i >= 0; i--) hex += d[start + i]!.toString(16).padStart(2, '0');
  let v = BigInt('0x' + hex);
  if (d[start + len - 1]! >= 0x80) v -= 1n << BigInt(8 * len);
  return normaliseInt(v);
}

/** The value of the int opcode at `off`. */
export function intAt(d: Uint8Array, off: number): number | bigint {
  const p = off + 1;
  switch (d[off]) {
    case OP.BININT1:
      return d[p]!;
    case OP.BININT2:
      return d[p]! | (d[p + 1]! << 8);
    case OP.BININT:
      return u32(d, p) | 0;
    case OP.LONG1:
      return twosComplement(d, p + 1, d[p]!);
    case OP.LONG4:
      return twosComplement(d, p + 4, u32(d, p));
    default: {
      // INT / LONG text lines
      let text = new TextDecoder('latin1').decode(d.subarray(p, lineEnd(d, p)));
      if (text.endsWith('L')) text = text.slice(0, -1);
      return parsePyInt(text) ?? 0;
    }
  }
}

/** The value of the float opcode at `off`. */
export function floatAt(d: Uint8Array, off: number): number {
  const p = off + 1;
  if (d[off] === OP.BINFLOAT) {
    for (let i = 0; i < 8; i++) F64_BYTES[i] = d[p + 7 - i]!;
    return F64[0]!;
  }
  return parsePyFloat(new TextDecoder('latin1').decode(d.subarray(p, lineEnd(d, p)))) ?? NaN;
}

/** The code of the EXT opcode at `off`. */
export function extAt(d: Uint8Array, off: number): number {
  const p = off + 1;
  if (d[off] === OP.EXT1) return d[p]!;
  if (d[off] === OP.EXT2) return d[p]! | (d[p + 1]! << 8);
  return u32(d, p) | 0;
}

/** Module and name lines of the GLOBAL or INST opcode at `off`: [ms, me, ns, ne]. */
export function globalLines(d: Uint8Array, off: number): [number, number, number, number] {
  const ms = off + 1;
  const me = lineEnd(d, ms);
  const ns = me + 1;
  return [ms, me, ns, lineEnd(d, ns)];
}
