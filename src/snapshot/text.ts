// Text formats found inside pickles, implemented from their Python specifications:
// - protocol-0 `S'...'` literals: Python `repr()` of a str, undone by `codecs.escape_decode`;
// - protocol-0 `V...` lines: the `raw-unicode-escape` codec;
// - BINUNICODE payloads: UTF-8 with `surrogatepass` (lone surrogates are legal in Python str);
// - Python literal spelling of dict keys for object paths (`['full']`, `[12]`, `(1, 'a')`).
// Written by hand because no JS library implements these Python codecs.

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

function isOctal(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Checks the body of a `S'...'` literal (between the quotes) as `codecs.escape_decode` would.
 * Returns undefined when valid, else the reason.
 */
export function checkEscapedBytes(d: Uint8Array, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) {
    if (d[i] !== 0x5c) continue;
    if (i + 1 >= end) return 'bad string literal: trailing \\ in string';
    const c = d[i + 1]!;
    if (c === 0x78) {
      if (i + 3 >= end || hexVal(d[i + 2]!) < 0 || hexVal(d[i + 3]!) < 0) {
        return 'bad string literal: invalid \\x escape';
      }
      i += 3;
    } else {
      i += 1;
    }
  }
  return undefined;
}

/** Decodes the body of a `S'...'` literal (already checked) to its bytes. */
export function decodeEscapedBytes(d: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const c = d[i]!;
    if (c !== 0x5c || i + 1 >= end) {
      out[o++] = c;
      continue;
    }
    const e = d[++i]!;
    switch (e) {
      case 0x0a: // backslash-newline: a line continuation, nothing
        break;
      case 0x5c:
      case 0x27:
      case 0x22:
        out[o++] = e;
        break;
      case 0x61: out[o++] = 7; break; // \a
      case 0x62: out[o++] = 8; break; // \b
      case 0x66: out[o++] = 12; break; // \f
      case 0x6e: out[o++] = 10; break; // \n
      case 0x72: out[o++] = 13; break; // \r
      case 0x74: out[o++] = 9; break; // \t
      case 0x76: out[o++] = 11; break; // \v
      case 0x78: // \xhh
        out[o++] = (hexVal(d[i + 1]!) << 4) | hexVal(d[i + 2]!);
        i += 2;
        break;
      default:
        if (isOctal(e)) {
          // Up to three octal digits; Python keeps the low byte of larger values.
          let v = e - 0x30;
          if (i + 1 < end && isOctal(d[i + 1]!)) {
            v = v * 8 + (d[++i]! - 0x30);
            if (i + 1 < end && isOctal(d[i + 1]!)) v = v * 8 + (d[++i]! - 0x30);
          }
          out[o++] = v & 0xff;
        } else {
          // An unknown escape is kept as written, backslash included.
          out[o++] = 0x5c;
          out[o++] = e;
        }
    }
  }
  return out.subarray(0, o);
}

/** Checks a `raw-unicode-escape` payload; returns the reason when Python would refuse it. */
export function checkRawUnicodeEscape(d: Uint8Array, start: number, end: number): string | undefined {
  let i = start;
  while (i < end) {
    if (d[i] !== 0x5c) {
      i++;
      continue;
    }
    const bs = i;
    while (i < end && d[i] === 0x5c) i++;
    if (((i - bs) & 1) === 0 || i >= end || (d[i] !== 0x75 && d[i] !== 0x55)) continue;
    const count = d[i] === 0x75 ? 4 : 8;
    i++;
    let v = 0;
    for (let k = 0; k < count; k++, i++) {
      const h = i < end ? hexVal(d[i]!) : -1;
      if (h < 0) return `bad unicode literal: truncated \\${count === 4 ? 'uXXXX' : 'UXXXXXXXX'} escape`;
      v = v * 16 + h;
    }
    if (v > 0x10ffff) return 'bad unicode literal: \\Uxxxxxxxx out of range';
  }
  return undefined;
}

/** Decodes a checked `raw-unicode-escape` payload: bytes are code points, but for \\u and \\U escapes. */
export function decodeRawUnicodeEscape(d: Uint8Array, start: number, end: number): string {
  const parts: string[] = [];
  let chunk = '';
  let i = start;
  while (i < end) {
    const c = d[i]!;
    if (c !== 0x5c) {
      chunk += String.fromCharCode(c);
      i++;
      if (chunk.length > 4096) {
        parts.push(chunk);
        chunk = '';
      }
      continue;
    }
    const bs = i;
    while (i < end && d[i] === 0x5c) i++;
    const n = i - bs;
    if ((n & 1) === 0 || i >= end || (d[i] !== 0x75 && d[i] !== 0x55)) {
      chunk += '\\'.repeat(n);
      continue;
    }
    chunk += '\\'.repeat(n - 1);
    const count = d[i] === 0x75 ? 4 : 8;
    i++;
    let v = 0;
    for (let k = 0; k < count; k++, i++) v = v * 16 + hexVal(d[i]!);
    chunk += String.fromCodePoint(v);
  }
  parts.push(chunk);
  return parts.join('');
}

/** True when every byte is below 0x80. */
export function isAscii(d: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (d[i]! >= 0x80) return false;
  return true;
}

export function decodeLatin1(d: Uint8Array, start: number, end: number): string {
  return latin1.decode(d.subarray(start, end));
}

/**
 * UTF-8 as Python's `surrogatepass`: encoded lone surrogates (ED A0..BF xx) are kept as
 * UTF-16 code units, which JS strings can hold. Anything else invalid becomes U+FFFD (Python
 * would have refused the pickle; a view must not throw).
 */
export function decodeUtf8(d: Uint8Array, start: number, end: number): string {
  const view = d.subarray(start, end);
  try {
    return utf8Fatal.decode(view);
  } catch {
    return decodeUtf8SurrogatePass(view);
  }
}

function decodeUtf8SurrogatePass(v: Uint8Array): string {
  const parts: string[] = [];
  let runStart = 0;
  for (let i = 0; i + 2 < v.length; i++) {
    if (v[i] === 0xed && v[i + 1]! >= 0xa0 && v[i + 1]! <= 0xbf && (v[i + 2]! & 0xc0) === 0x80) {
      parts.push(utf8Lenient.decode(v.subarray(runStart, i)));
      parts.push(String.fromCharCode(0xd000 | ((v[i + 1]! & 0x3f) << 6) | (v[i + 2]! & 0x3f)));
      i += 2;
      runStart = i + 1;
    }
  }
  parts.push(utf8Lenient.decode(v.subarray(runStart)));
  return parts.join('');
}

/** Bytes as text: UTF-8 when valid, else latin-1 (the contract of `SnapshotGraph.text`). */
export function bytesAsText(b: Uint8Array): string {
  try {
    return utf8Fatal.decode(b);
  } catch {
    return latin1.decode(b);
  }
}

/** Python 3 `repr()` of a str. */
export function reprStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + q;
}

/** Python 3 `repr()` of bytes. */
export function reprBytes(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    else if (c === 0x22) hasDouble = true;
  }
  const q = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = 'b' + String.fromCharCode(q);
  for (const c of b) {
    if (c === q || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + String.fromCharCode(q);
}

/** Python 3 `repr()` of a float: shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16. */
export function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mant.replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;

/** Python `float()` of a protocol-0 FLOAT line; undefined when Python would refuse it. */
export function parsePyFloat(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  const lower = t.toLowerCase();
  const sign = lower.startsWith('-') ? -1 : 1;
  const bare = lower.replace(/^[+-]/, '');
  if (bare === 'inf' || bare === 'infinity') return sign * Infinity;
  if (bare === 'nan') return NaN;
  if (!FLOAT_RE.test(t)) return undefined;
  return Number(t);
}

const INT_RE = /^[+-]?\d+$/;

/** Python `int()` of a protocol-0 INT/LONG line: a number when exact in a double, else a bigint. */
export function parsePyInt(text: string): number | bigint | undefined {
  const t = text.trim();
  if (!INT_RE.test(t)) return undefined;
  const digits = t.replace(/^[+-]/, '').length;
  if (digits <= 15) return Number(t);
  return normaliseInt(BigInt(t));
}

/** A bigint as a number when it fits a double exactly (the graph contract). */
export function normaliseInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}
