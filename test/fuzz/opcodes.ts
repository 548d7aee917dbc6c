// The pickle opcode table as the fuzzer needs it: which bytes are opcodes and how their argument
// is laid out, so mutations can cut the stream at opcode boundaries and find length fields.
// Kept here (not imported from the decoder) on purpose: the fuzzer must not share the decoder's
// mistakes about the format. Source of the facts: CPython's Lib/pickletools.py.

export type ArgKind =
  | 'none'
  | 'line' // decimal/repr text up to '\n'
  | 'line2' // two lines (GLOBAL, INST)
  | 'u1'
  | 'u2'
  | 'u4'
  | 'i4'
  | 'f8'
  | 'u8' // FRAME's length
  | 'len1' // 1-byte length, then data
  | 'len4' // unsigned 4-byte length, then data
  | 'slen4' // signed 4-byte length, then data (BINSTRING, LONG4)
  | 'len8'; // 8-byte length, then data

const TABLE: Array<[string, number, ArgKind]> = [
  ['MARK', 0x28, 'none'], ['STOP', 0x2e, 'none'], ['POP', 0x30, 'none'], ['POP_MARK', 0x31, 'none'],
  ['DUP', 0x32, 'none'], ['FLOAT', 0x46, 'line'], ['INT', 0x49, 'line'], ['BININT', 0x4a, 'i4'],
  ['BININT1', 0x4b, 'u1'], ['LONG', 0x4c, 'line'], ['BININT2', 0x4d, 'u2'], ['NONE', 0x4e, 'none'],
  ['PERSID', 0x50, 'line'], ['BINPERSID', 0x51, 'none'], ['REDUCE', 0x52, 'none'], ['STRING', 0x53, 'line'],
  ['BINSTRING', 0x54, 'slen4'], ['SHORT_BINSTRING', 0x55, 'len1'], ['UNICODE', 0x56, 'line'],
  ['BINUNICODE', 0x58, 'len4'], ['APPEND', 0x61, 'none'], ['BUILD', 0x62, 'none'], ['GLOBAL', 0x63, 'line2'],
  ['DICT', 0x64, 'none'], ['EMPTY_DICT', 0x7d, 'none'], ['APPENDS', 0x65, 'none'], ['GET', 0x67, 'line'],
  ['BINGET', 0x68, 'u1'], ['INST', 0x69, 'line2'], ['LONG_BINGET', 0x6a, 'u4'], ['LIST', 0x6c, 'none'],
  ['EMPTY_LIST', 0x5d, 'none'], ['OBJ', 0x6f, 'none'], ['PUT', 0x70, 'line'], ['BINPUT', 0x71, 'u1'],
  ['LONG_BINPUT', 0x72, 'u4'], ['SETITEM', 0x73, 'none'], ['TUPLE', 0x74, 'none'], ['EMPTY_TUPLE', 0x29, 'none'],
  ['SETITEMS', 0x75, 'none'], ['BINFLOAT', 0x47, 'f8'],
  ['PROTO', 0x80, 'u1'], ['NEWOBJ', 0x81, 'none'], ['EXT1', 0x82, 'u1'], ['EXT2', 0x83, 'u2'], ['EXT4', 0x84, 'i4'],
  ['TUPLE1', 0x85, 'none'], ['TUPLE2', 0x86, 'none'], ['TUPLE3', 0x87, 'none'], ['NEWTRUE', 0x88, 'none'],
  ['NEWFALSE', 0x89, 'none'], ['LONG1', 0x8a, 'len1'], ['LONG4', 0x8b, 'slen4'],
  ['BINBYTES', 0x42, 'len4'], ['SHORT_BINBYTES', 0x43, 'len1'],
  ['SHORT_BINUNICODE', 0x8c, 'len1'], ['BINUNICODE8', 0x8d, 'len8'], ['BINBYTES8', 0x8e, 'len8'],
  ['EMPTY_SET', 0x8f, 'none'], ['ADDITEMS', 0x90, 'none'], ['FROZENSET', 0x91, 'none'], ['NEWOBJ_EX', 0x92, 'none'],
  ['STACK_GLOBAL', 0x93, 'none'], ['MEMOIZE', 0x94, 'none'], ['FRAME', 0x95, 'u8'],
  ['BYTEARRAY8', 0x96, 'len8'], ['NEXT_BUFFER', 0x97, 'none'], ['READONLY_BUFFER', 0x98, 'none'],
];

export interface OpcodeInfo {
  name: string;
  code: number;
  arg: ArgKind;
}

export const OPCODES: readonly OpcodeInfo[] = TABLE.map(([name, code, arg]) => ({ name, code, arg }));
const BY_CODE = new Map<number, OpcodeInfo>(OPCODES.map((o) => [o.code, o]));

export function opcodeAt(code: number): OpcodeInfo | undefined {
  return BY_CODE.get(code);
}

/** One opcode in a stream: where it starts, where its argument is, where it ends. */
export interface Op {
  pos: number;
  info: OpcodeInfo;
  /** Offset and width of the length/integer field, when the argument has one. */
  field?: { at: number; width: 1 | 2 | 4 | 8 };
  /** Offset of a text line argument (first line), when the argument is text. */
  line?: { at: number; end: number };
  end: number;
}

const FIELD_WIDTH: Partial<Record<ArgKind, 1 | 2 | 4 | 8>> = {
  u1: 1, u2: 2, u4: 4, i4: 4, u8: 8, len1: 1, len4: 4, slen4: 4, len8: 8,
};

/**
 * Splits a stream into opcodes as far as it is well-formed (like pickletools.genops, but it stops
 * quietly at the first byte it cannot read). Never throws; bounded by the input length.
 */
export function splitOps(data: Uint8Array): Op[] {
  const ops: Op[] = [];
  let pos = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  while (pos < data.length) {
    const info = BY_CODE.get(data[pos]!);
    if (!info) break;
    let end = pos + 1;
    const op: Op = { pos, info, end };
    const width = FIELD_WIDTH[info.arg];
    if (width !== undefined) {
      if (end + width > data.length) break;
      op.field = { at: end, width };
      let len = 0;
      if (info.arg === 'len1') len = data[end]!;
      else if (info.arg === 'len4') len = view.getUint32(end, true);
      else if (info.arg === 'slen4') len = Math.max(0, view.getInt32(end, true));
      else if (info.arg === 'len8') len = Number(view.getBigUint64(end, true));
      end += width + len;
      if (end > data.length) break;
    } else if (info.arg === 'f8') {
      end += 8;
      if (end > data.length) break;
    } else if (info.arg === 'line' || info.arg === 'line2') {
      const nl = data.indexOf(0x0a, end);
      if (nl < 0) break;
      op.line = { at: end, end: nl };
      end = nl + 1;
      if (info.arg === 'line2') {
        const nl2 = data.indexOf(0x0a, end);
        if (nl2 < 0) break;
        end = nl2 + 1;
      }
    }
    op.end = end;
    ops.push(op);
    pos = end;
    if (info.name === 'STOP') break;
  }
  return ops;
}
