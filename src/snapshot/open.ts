// Opening a snapshot file: read it (read-only), tell its format by content (never by name),
// decompress it within a size limit, and hand back pickle bytes. AOT source snapshots (.tas)
// are converted to pickle bytes here, so one decoder builds every graph.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import zlib from 'node:zlib';
import { SnapshotError, UserError } from '../errors.js';
import { aotToPickle, AotSyntaxError, looksLikeAot } from './aot.js';
import { Bzip2Corrupt, Bzip2TooLarge, bunzip2 } from './bzip2.js';

export type Compression = 'none' | 'gzip' | 'bzip2';

export interface SnapshotFile {
  kind: 'snapshot';
  file: string;
  /** 'pickle', or 'aot' for Twisted AOT source (converted to a pickle). */
  format: 'pickle' | 'aot';
  compression: Compression;
  /** `pickle`, `pickle+gzip`, `aot+bzip2` …: the label reports use. */
  label: string;
  /** sha256 of the file as stored (hex). */
  sha256: string;
  /** Size of the file as stored. */
  size: number;
  /** Decompressed size (of the pickle, or of the AOT source). */
  contentSize: number;
  /** The pickle stream (for AOT: written by rehearse from the source). */
  pickle: Uint8Array;
  /** For AOT: which Python's string semantics the source was read with, and why. */
  aot?: { python: 2 | 3; reason: string };
}

export interface NotASnapshot {
  kind: 'not-a-snapshot';
  file: string;
  reason: string;
  sha256: string;
  size: number;
}

export type OpenedSnapshot = SnapshotFile | NotASnapshot;

export interface OpenOptions {
  /** Refuse to decompress beyond this many bytes (default 1 GiB; REHEARSE_MAX_SNAPSHOT_BYTES). */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 1 << 30;

function maxBytesFrom(opts: OpenOptions): number {
  if (opts.maxBytes !== undefined) return opts.maxBytes;
  const env = Number(process.env.REHEARSE_MAX_SNAPSHOT_BYTES);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_MAX_BYTES;
}

/** Read `file` and detect what it is. Throws UserError for unreadable, corrupt or encrypted files. */
export async function openSnapshot(file: string, opts: OpenOptions = {}): Promise<OpenedSnapshot> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UserError(`${file}: no such file`);
    if (err.code === 'EISDIR') throw new UserError(`${file}: is a directory`);
    throw new UserError(`${file}: cannot read (${err.code ?? err.message})`);
  }
  return identifySnapshot(file, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), opts);
}

/** The same as openSnapshot, for bytes already in memory. */
export function identifySnapshot(file: string, raw: Uint8Array, opts: OpenOptions = {}): OpenedSnapshot {
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const size = raw.length;
  const limit = maxBytesFrom(opts);
  let compression: Compression = 'none';
  let content = raw;
  if (isGzip(raw)) {
    compression = 'gzip';
    content = gunzip(file, raw, limit);
  } else if (isBzip2(raw)) {
    compression = 'bzip2';
    content = decompressBzip2(file, raw, limit);
  }
  const suffix = compression === 'none' ? '' : `+${compression}`;
  const base = { file, compression, sha256, size, contentSize: content.length };
  if (looksLikePickle(content)) {
    return { kind: 'snapshot', format: 'pickle', label: `pickle${suffix}`, pickle: content, ...base };
  }
  if (looksLikeAot(content)) {
    try {
      const r = aotToPickle(new TextDecoder('utf-8').decode(content));
      return { kind: 'snapshot', format: 'aot', label: `aot${suffix}`, pickle: r.pickle, aot: { python: r.python, reason: r.pythonReason }, ...base };
    } catch (e) {
      if (e instanceof AotSyntaxError) throw new UserError(`${file}: AOT source: ${e.reason} at character ${e.offset}`);
      throw e;
    }
  }
  if (compression === 'none' && looksEncrypted(raw)) {
    // Old twistd only ran such files (`twistd -e -f FILE` asks for the passphrase); sob.load
    // with the passphrase and a save without one is the way to a plain copy.
    throw new UserError(
      `${file}: looks like an encrypted Twisted snapshot (.etap/.etas: AES-ECB keyed by the MD5 of a passphrase, no header); ` +
        `decrypt it first with the Twisted release that wrote it: ` +
        `app = twisted.persisted.sob.load('${file}', 'pickle' (or 'source' for .etas), PASSPHRASE), ` +
        `then sob.IPersistable(app).save(filename='plain.tap') without a passphrase, and inspect the plain copy`,
    );
  }
  const what = compression === 'none' ? 'content' : `${compression}-decompressed content`;
  return { kind: 'not-a-snapshot', file, reason: `${what} is neither a pickle nor Twisted AOT source (${describe(content)})`, sha256, size };
}

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

export function isBzip2(b: Uint8Array): boolean {
  // "BZh" + block size digit + block magic (pi) or end-of-stream magic (sqrt pi) for an empty stream.
  if (b.length < 10 || b[0] !== 0x42 || b[1] !== 0x5a || b[2] !== 0x68 || b[3]! < 0x31 || b[3]! > 0x39) return false;
  const magic = Buffer.from(b.subarray(4, 10)).toString('hex');
  return magic === '314159265359' || magic === '177245385090';
}

function gunzip(file: string, raw: Uint8Array, limit: number): Uint8Array {
  try {
    // Concatenated gzip members are read as one stream, as Python's gzip module does.
    const out = zlib.gunzipSync(raw, { maxOutputLength: limit });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooBig(file, 'gzip', limit);
    throw new UserError(`${file}: corrupt gzip data (${err.message.replace(/\.$/, '')})`);
  }
}

function decompressBzip2(file: string, raw: Uint8Array, limit: number): Uint8Array {
  try {
    return bunzip2(raw, limit);
  } catch (e) {
    if (e instanceof Bzip2TooLarge) throw tooBig(file, 'bzip2', limit);
    if (e instanceof Bzip2Corrupt) throw new SnapshotError(file, e.offset, undefined, e.reason);
    throw e;
  }
}

function tooBig(file: string, what: string, limit: number): UserError {
  return new UserError(
    `${file}: ${what} data decompresses to more than ${limit} bytes (a decompression bomb?); ` +
      `raise the limit with REHEARSE_MAX_SNAPSHOT_BYTES if the file is genuine`,
  );
}

// ---- pickle detection --------------------------------------------------------------------

/** Opcodes of protocols 0/1 without an argument. */
const NO_ARG = new Set(Buffer.from('(.012NRQabdelostu})]', 'latin1'));
/** Opcodes a pickler may write first (no PUT/APPEND/… before something exists). */
const STARTERS = new Set(Buffer.from('(]})NcIiLFSVUTXKMJGPQ', 'latin1'));

/** End offset of the protocol 0/1 opcode at `at` if its argument is well-formed, else -1. */
function opEnd(b: Uint8Array, at: number): number {
  const op = String.fromCharCode(b[at]!);
  if (NO_ARG.has(b[at]!)) return at + 1;
  const line = (from: number, re: RegExp): number => {
    const nl = b.indexOf(0x0a, from);
    if (nl < 0 || nl - from > 4096) return -1;
    return re.test(Buffer.from(b.subarray(from, nl)).toString('latin1')) ? nl + 1 : -1;
  };
  const fixed = (n: number): number => (at + 1 + n <= b.length ? at + 1 + n : -1);
  const u32 = (): number => (at + 5 <= b.length ? (b[at + 1]! | (b[at + 2]! << 8) | (b[at + 3]! << 16)) + b[at + 4]! * 0x1000000 : -1);
  switch (op) {
    case 'c':
    case 'i': {
      const first = line(at + 1, /^[A-Za-z_][\w.]*$/);
      return first < 0 ? -1 : line(first, /^[A-Za-z_][\w.]*$/);
    }
    case 'I':
    case 'L':
      return line(at + 1, /^-?\d+L?$/);
    case 'F':
      return line(at + 1, /^-?(\d+\.?\d*(e[-+]?\d+)?|inf|nan)$/i);
    case 'S':
      return line(at + 1, /^('.*'|".*")$/);
    case 'V':
    case 'P':
      return line(at + 1, /^/);
    case 'p':
    case 'g':
      return line(at + 1, /^\d+$/);
    case 'h':
    case 'q':
    case 'K':
      return fixed(1);
    case 'M':
      return fixed(2);
    case 'j':
    case 'r':
    case 'J':
      return fixed(4);
    case 'G':
      return fixed(8);
    case 'U':
      return at + 1 < b.length ? fixed(1 + b[at + 1]!) : -1;
    case 'T':
    case 'X': {
      const n = u32();
      return n < 0 ? -1 : fixed(4 + n);
    }
    default:
      return -1;
  }
}

/**
 * Protocol 2+ starts with PROTO. Protocol 0/1 have no header: the first opcode must be one a
 * pickler writes first, and the first few opcodes must be well-formed (or reach STOP).
 */
export function looksLikePickle(b: Uint8Array): boolean {
  if (b.length < 2) return false;
  if (b[0] === 0x80) return b[1]! >= 2 && b[1]! <= 5;
  if (!STARTERS.has(b[0]!)) return false;
  let at = 0;
  for (let i = 0; i < 4; i++) {
    if (b[at] === 0x2e) return i > 0; // STOP
    const end = opEnd(b, at);
    if (end < 0) return false;
    at = end;
    // Two good opcodes and then the end: a truncated pickle, which the decoder explains better.
    if (at >= b.length) return i >= 1;
  }
  return true;
}

/**
 * Old Twisted (sob.py) encrypted `.etap`/`.etas` with AES-ECB and no header, padding with spaces to
 * 16 bytes: all that content can tell is "a multiple of 16 bytes that looks random".
 */
export function looksEncrypted(b: Uint8Array): boolean {
  if (b.length < 32 || b.length % 16 !== 0) return false;
  const sample = b.subarray(0, Math.min(b.length, 4096));
  const seen = new Set<number>();
  let printable = 0;
  for (const c of sample) {
    seen.add(c);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) printable++;
  }
  // Random bytes: about 37% printable, and 256·(1−(255/256)^n) distinct values expected.
  const expected = 256 * (1 - Math.pow(255 / 256, sample.length));
  return printable / sample.length < 0.6 && seen.size >= 0.85 * expected;
}

function describe(b: Uint8Array): string {
  if (b.length === 0) return 'empty';
  const head = Buffer.from(b.subarray(0, 16));
  const printable = [...head].every((c) => (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09);
  if (/^\d+:[012]/.test(head.toString('latin1'))) return 'looks like a Buildbot step log: netstring chunks';
  const start = Buffer.from(b.subarray(0, 4096)).toString('latin1');
  // Twisted's old marmalade XML style (.tax): a snapshot rehearse cannot read.
  if (/^\s*<\?xml/.test(start) && /<(instance|marmalade|reference|dictionary)\b/.test(start)) {
    return 'looks like a Twisted marmalade XML snapshot (.tax), which rehearse does not read: load it with the Twisted release that wrote it and save it as a pickle';
  }
  if (printable) return `text starting ${JSON.stringify(head.toString('latin1').split('\n')[0])}`;
  return `binary, starting ${head.subarray(0, 8).toString('hex')}`;
}
