// bzip2, decoded with a bounded memory footprint. seek-bzip writes its output a byte at a time
// into a stream we give it, so the size limit acts on every byte, and its working memory is one
// 900k block. (unbzip2-stream, used before, built each block's output in a JS array: one
// 45-byte hostile block cost ~1 GB before any limit could act.)
import { createRequire } from 'node:module';

interface InStream {
  readByte(): number;
  read(buffer: Uint8Array, offset: number, length: number): number;
  seek(pos: number): void;
  eof(): boolean;
}
interface OutStream {
  writeByte(byte: number): void;
}
interface SeekBzip {
  decode(input: InStream, output: OutStream, multistream: boolean): void;
}

const require = createRequire(import.meta.url);
// seek-bzip is CommonJS without types: typed here, at the one place it is used.
const Bunzip = require('seek-bzip') as SeekBzip;

/** The data decompresses to more than the limit. */
export class Bzip2TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`decompresses to more than ${limit} bytes`);
  }
}

/** Corrupt or truncated bzip2 data, noticed at `offset` of the compressed input. */
export class Bzip2Corrupt extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly truncated: boolean,
  ) {
    super(reason);
  }
}

class Truncated extends Error {}

/** Decode every bzip2 stream of `raw` (concatenated streams, as bzip2 itself writes them). */
export function bunzip2(raw: Uint8Array, limit: number): Uint8Array {
  let pos = 0;
  const input: InStream = {
    readByte() {
      if (pos >= raw.length) throw new Truncated();
      return raw[pos++]!;
    },
    // Only the stream header is read this way; a short read is reported as "not bzip data".
    read(buffer, offset, length) {
      const n = Math.min(length, raw.length - pos);
      if (n <= 0) return -1;
      buffer.set(raw.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    seek(p) {
      pos = p;
    },
    eof: () => pos >= raw.length,
  };
  let buf = new Uint8Array(Math.min(limit, Math.max(64 * 1024, raw.length * 4)));
  let size = 0;
  const output: OutStream = {
    writeByte(byte) {
      if (size === buf.length) {
        if (size >= limit) throw new Bzip2TooLarge(limit);
        const bigger = new Uint8Array(Math.min(limit, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      buf[size++] = byte;
    },
  };
  try {
    Bunzip.decode(input, output, true);
  } catch (e) {
    if (e instanceof Bzip2TooLarge) throw e;
    if (e instanceof Truncated) throw new Bzip2Corrupt('truncated bzip2 data (the stream ends inside a block)', raw.length, true);
    const message = e instanceof Error ? e.message : String(e);
    throw new Bzip2Corrupt(`corrupt bzip2 data (${message}), noticed reading the compressed input`, Math.min(pos, raw.length), false);
  }
  return buf.subarray(0, size);
}
