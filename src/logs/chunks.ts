// Buildbot's on-disk log format, read in TypeScript (for tests, and as a fallback when no
// release can render): a sequence of netstrings "%d:%d%s," % (len(text)+1, channel, text).
// Lengths count bytes; the channel is one ASCII digit (0 stdout, 1 stderr, 2 header).

export const STDOUT = 0;
export const STDERR = 1;
export const HEADER = 2;

export interface LogChunk {
  channel: number;
  text: string;
  /** Byte offset of the chunk's length prefix. */
  offset: number;
}

export interface ParsedLog {
  chunks: LogChunk[];
  /** Set when the data ends or breaks mid-chunk (a log cut short by a crash): where and why. */
  error?: { offset: number; reason: string };
}

const COLON = 0x3a;
const COMMA = 0x2c;
const decoder = new TextDecoder('utf-8'); // invalid bytes become U+FFFD, as Buildbot 0.8 does

export function parseChunks(data: Uint8Array): ParsedLog {
  const chunks: LogChunk[] = [];
  let i = 0;
  while (i < data.length) {
    const start = i;
    let n = 0;
    let digits = 0;
    while (i < data.length && data[i]! >= 0x30 && data[i]! <= 0x39 && digits < 12) {
      n = n * 10 + (data[i]! - 0x30);
      i++;
      digits++;
    }
    if (digits === 0 || i >= data.length || data[i] !== COLON) {
      return { chunks, error: { offset: start, reason: digits === 0 ? 'expected a chunk length' : 'expected ":" after the chunk length' } };
    }
    i++;
    if (n < 1) return { chunks, error: { offset: start, reason: 'empty chunk (no channel digit)' } };
    if (i + n > data.length) {
      return { chunks, error: { offset: start, reason: `chunk of ${n} bytes runs past the end of the data` } };
    }
    const channel = data[i]! - 0x30;
    if (channel < 0 || channel > 9) return { chunks, error: { offset: start, reason: 'channel is not a digit' } };
    if (data[i + n] !== COMMA) {
      return { chunks, error: { offset: start, reason: i + n >= data.length ? 'missing "," at the end of the data' : 'expected "," after the chunk' } };
    }
    chunks.push({ channel, text: decoder.decode(data.subarray(i + 1, i + n)), offset: start });
    i += n + 1;
  }
  return { chunks };
}

/** The text of the chosen channels, in order (Buildbot's getText: stdout+stderr; getTextWithHeaders: all). */
export function chunksText(chunks: LogChunk[], channels: number[] = [STDOUT, STDERR]): string {
  return chunks
    .filter((c) => channels.includes(c.channel))
    .map((c) => c.text)
    .join('');
}

/** Encodes chunks (for tests and fixtures): the inverse of parseChunks. */
export function encodeChunks(chunks: Array<{ channel: number; text: string }>): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    const body = enc.encode(c.text);
    parts.push(enc.encode(`${body.length + 1}:${c.channel}`), body, enc.encode(','));
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
