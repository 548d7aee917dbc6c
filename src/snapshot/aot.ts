// A safe reader of Twisted's AOT source snapshots (`.tas`, twisted.persisted.aot): never eval.
//
// jellyToSource writes `app = <expr>` where <expr> is a Python expression made of literals
// (repr of bool/int/float/complex/str/bytes/None/slice/Ellipsis), lists, tuples, dicts and the
// constructors Instance('mod.Class', k=v… | state), InstanceMethod(name, 'mod.Class', inst),
// Ref(n, obj), Deref(n), Copyreg('mod.func', state), Class('x.Y'), Function('x.f'), Module('x').
// We tokenize and parse exactly that subset and turn it into a value tree that writer.ts
// pickles, so the same decoder builds the graph. Meaning, as aot.AOTUnjellier gives it:
//   Instance      → klass.__new__(klass) + __setstate__/__dict__ (NEWOBJ, or OBJ for Python 2, + BUILD)
//   InstanceMethod→ getattr(inst, name) (how pickle spells a bound method)
//   Copyreg       → loadfunc(*state)     (REDUCE)
//   Module        → importlib.import_module(name)
//   Ref/Deref     → one shared object (memo), forward references and cycles included.
import { writePickle, type PyGlobal, type PyValue } from './writer.js';

export class AotSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${reason} at character ${offset}`);
  }
}

/** Text that starts (after blank lines and comments) like an AOT snapshot. */
export function looksLikeAot(b: Uint8Array): boolean {
  const head = Buffer.from(b.subarray(0, 4096)).toString('latin1');
  if (/[\x00-\x08\x0e-\x1f]/.test(head)) return false;
  // jellyToSource always writes `app=…`; a bare expression must start with an AOT constructor.
  return /^\s*(?:#[^\n]*\n\s*)*(?:app\s*=\s*(?=[[{('"\d-]|None\b|True\b|False\b|[rRuUbB]{1,2}['"]|(?:Instance|Ref|Deref|InstanceMethod|Copyreg|Class|Function|Module)\s*\()|(?:Instance|Ref|Deref|InstanceMethod|Copyreg|Class|Function|Module)\s*\()/.test(head);
}

// ---- tokens ---------------------------------------------------------------------------------

type Tok =
  | { t: 'name'; v: string; at: number }
  | { t: 'num'; v: string; at: number }
  | { t: 'str'; v: string; prefix: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[lLjJ]?/y;
const STRING_START = /([rRuUbB]{0,2})('''|"""|'|")/y;

const WS = /[ \t\n\r\f\0]+/y;
/** Runs of string body without a backslash, newline or quote character, per quote character. */
const PLAIN: Record<string, RegExp> = { "'": /[^'\\\n]+/y, '"': /[^"\\\n]+/y };
const OPS = new Set(['(', ')', '[', ']', '{', '}', ',', ':', '=', '+', '-']);

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\0') {
      WS.lastIndex = i;
      WS.exec(src);
      i = WS.lastIndex;
      continue;
    }
    if (OPS.has(c)) {
      toks.push({ t: 'op', v: c, at: i });
      i++;
      continue;
    }
    if (c === '\\' && (src[i + 1] === '\n' || src[i + 1] === '\r')) {
      i += 2;
      continue;
    }
    if (c === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
      continue;
    }
    const sm = c === "'" || c === '"' || /[rRuUbB]/.test(c) ? ((STRING_START.lastIndex = i), STRING_START.exec(src)) : null;
    if (sm && /^(?:[rR]?[uUbB]?|[uUbB]?[rR]?)$/.test(sm[1]!)) {
      const [whole, prefix, quote] = sm as unknown as [string, string, string];
      const start = i;
      i += whole.length;
      const raw = /r/i.test(prefix);
      const plain = PLAIN[quote[0]!]!;
      const parts: string[] = [];
      for (;;) {
        if (i >= src.length) throw new AotSyntaxError(start, 'unterminated string');
        plain.lastIndex = i;
        if (plain.exec(src)) {
          parts.push(src.slice(i, plain.lastIndex));
          i = plain.lastIndex;
          continue;
        }
        if (src.startsWith(quote, i)) {
          i += quote.length;
          break;
        }
        const ch = src[i]!;
        if (ch === '\n' && quote.length === 1) throw new AotSyntaxError(start, 'unterminated string');
        if (ch === '\\') {
          if (raw) {
            parts.push(ch + (src[i + 1] ?? ''));
            i += 2;
            continue;
          }
          const [text, len] = unescape(src, i);
          parts.push(text);
          i += len;
          continue;
        }
        parts.push(ch); // a newline or lone quote character inside a triple-quoted string
        i++;
      }
      toks.push({ t: 'str', v: parts.join(''), prefix: prefix.toLowerCase().replace('r', ''), at: start });
      continue;
    }
    NAME.lastIndex = i;
    const nm = NAME.exec(src);
    if (nm) {
      toks.push({ t: 'name', v: nm[0], at: i });
      i += nm[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(src);
    if (num && num[0].length > 0) {
      toks.push({ t: 'num', v: num[0], at: i });
      i += num[0].length;
      continue;
    }
    throw new AotSyntaxError(i, `unexpected character ${JSON.stringify(c)}`);
  }
  toks.push({ t: 'end', at: src.length });
  return toks;
}

const SIMPLE_ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

/** One backslash escape at src[i]; returns the text and the length consumed. \x gives a code point < 256. */
function unescape(src: string, i: number): [string, number] {
  const e = src[i + 1];
  if (e === undefined) throw new AotSyntaxError(i, 'backslash at end of input');
  if (e === 'x') {
    const h = src.slice(i + 2, i + 4);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new AotSyntaxError(i, 'bad \\x escape');
    return [String.fromCharCode(parseInt(h, 16)), 4];
  }
  if (e === 'u' || e === 'U') {
    const n = e === 'u' ? 4 : 8;
    const h = src.slice(i + 2, i + 2 + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new AotSyntaxError(i, `bad \\${e} escape`);
    return [String.fromCodePoint(parseInt(h, 16)), 2 + n];
  }
  if (/[0-7]/.test(e)) {
    const m = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4))!;
    return [String.fromCharCode(parseInt(m[0], 8) & 0xff), 1 + m[0].length];
  }
  if (e === '\r') return ['', src[i + 2] === '\n' ? 3 : 2];
  const s = SIMPLE_ESC[e];
  if (s !== undefined) return [s, 2];
  return [`\\${e}`, 2]; // Python keeps unknown escapes as they are
}

// ---- syntax tree ----------------------------------------------------------------------------

type Ast =
  | { t: 'const'; v: null | boolean; at: number }
  | { t: 'int'; v: bigint; long: boolean; at: number }
  | { t: 'float'; v: number; at: number }
  | { t: 'complex'; re: number; im: number; at: number }
  | { t: 'str'; v: string; prefix: string; at: number }
  | { t: 'list' | 'tuple'; items: Ast[]; at: number }
  | { t: 'dict'; entries: Array<[Ast, Ast]>; at: number }
  | { t: 'call'; name: string; args: Ast[]; kwargs: Array<[string, Ast]>; at: number }
  | { t: 'ellipsis'; at: number };

const MAX_DEPTH = 2000;
const CONSTRUCTORS = new Set(['Instance', 'InstanceMethod', 'Ref', 'Deref', 'Copyreg', 'Class', 'Function', 'Module', 'slice', 'complex', 'set', 'frozenset']);

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.p]!;
  }
  private take(): Tok {
    return this.toks[this.p++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.take();
    if (t.t !== 'op' || t.v !== v) throw new AotSyntaxError(t.at, `expected '${v}', found ${describeTok(t)}`);
  }

  program(): Ast {
    const t0 = this.peek();
    if (t0.t === 'name' && t0.v === 'app') {
      const t1 = this.toks[this.p + 1];
      if (t1 && t1.t === 'op' && t1.v === '=') this.p += 2;
    }
    const v = this.expr(0);
    const t = this.peek();
    if (t.t !== 'end') throw new AotSyntaxError(t.at, `unexpected ${describeTok(t)} after the snapshot expression`);
    return v;
  }

  private expr(depth: number): Ast {
    if (depth > MAX_DEPTH) throw new AotSyntaxError(this.peek().at, 'nested too deeply');
    const t = this.take();
    switch (t.t) {
      case 'num':
        return this.complexTail(number(t.v, t.at, false));
      case 'str': {
        let v = t.v;
        // Adjacent literals concatenate, as in Python.
        while (this.peek().t === 'str') v += (this.take() as { v: string }).v;
        return { t: 'str', v, prefix: t.prefix, at: t.at };
      }
      case 'op':
        if (t.v === '-' || t.v === '+') {
          const n = this.take();
          if (n.t !== 'num') throw new AotSyntaxError(n.at, `expected a number after '${t.v}'`);
          return this.complexTail(number(n.v, t.at, t.v === '-'));
        }
        if (t.v === '[') return { t: 'list', items: this.seq(']', depth).items, at: t.at };
        if (t.v === '(') {
          const r = this.seq(')', depth);
          // (x) is x; (x,) and () are tuples; (1+2j) is a complex number.
          if (r.items.length === 1 && !r.trailingComma) return r.items[0]!;
          return { t: 'tuple', items: r.items, at: t.at };
        }
        if (t.v === '{') return this.dict(t.at, depth);
        throw new AotSyntaxError(t.at, `unexpected '${t.v}'`);
      case 'name': {
        if (t.v === 'None') return { t: 'const', v: null, at: t.at };
        if (t.v === 'True') return { t: 'const', v: true, at: t.at };
        if (t.v === 'False') return { t: 'const', v: false, at: t.at };
        if (t.v === 'Ellipsis') return { t: 'ellipsis', at: t.at };
        if (t.v === 'inf' || t.v === 'nan') return { t: 'float', v: t.v === 'inf' ? Infinity : NaN, at: t.at };
        if (!CONSTRUCTORS.has(t.v)) throw new AotSyntaxError(t.at, `unknown name '${t.v}' (AOT uses only Instance, Ref, Deref, InstanceMethod, Copyreg, Class, Function, Module)`);
        this.expectOp('(');
        const args: Ast[] = [];
        const kwargs: Array<[string, Ast]> = [];
        while (!this.isOp(')')) {
          const a = this.peek();
          const b = this.toks[this.p + 1]!;
          if (a.t === 'name' && b.t === 'op' && b.v === '=') {
            this.p += 2;
            kwargs.push([a.v, this.expr(depth + 1)]);
          } else {
            if (kwargs.length) throw new AotSyntaxError(a.at, 'positional argument after keyword argument');
            args.push(this.expr(depth + 1));
          }
          if (!this.isOp(',')) break;
          this.take();
        }
        this.expectOp(')');
        return { t: 'call', name: t.v, args, kwargs, at: t.at };
      }
      case 'end':
        throw new AotSyntaxError(t.at, 'unexpected end of input');
    }
  }

  private seq(close: string, depth: number): { items: Ast[]; trailingComma: boolean } {
    const items: Ast[] = [];
    let trailingComma = false;
    while (!this.isOp(close)) {
      items.push(this.expr(depth + 1));
      trailingComma = false;
      if (!this.isOp(',')) break;
      this.take();
      trailingComma = true;
    }
    this.expectOp(close);
    return { items, trailingComma };
  }

  /** repr(complex) is `(1+2j)`: a sum of a real and an imaginary literal. */
  private complexTail(a: Ast): Ast {
    if (!(this.isOp('+') || this.isOp('-'))) return a;
    const sign = this.take() as { v: string };
    const n = this.take();
    if (n.t !== 'num' || !/[jJ]$/.test(n.v) || (a.t !== 'int' && a.t !== 'float')) throw new AotSyntaxError(n.at, 'only complex literals may use + or -');
    const im = parseFloat(n.v.slice(0, -1)) * (sign.v === '-' ? -1 : 1);
    return { t: 'complex', re: Number(a.v), im, at: a.at };
  }

  private dict(at: number, depth: number): Ast {
    const entries: Array<[Ast, Ast]> = [];
    while (!this.isOp('}')) {
      const k = this.expr(depth + 1);
      this.expectOp(':');
      entries.push([k, this.expr(depth + 1)]);
      if (!this.isOp(',')) break;
      this.take();
    }
    this.expectOp('}');
    return { t: 'dict', entries, at };
  }
}

function describeTok(t: Tok): string {
  if (t.t === 'end') return 'end of input';
  if (t.t === 'str') return 'a string';
  return `'${t.v}'`;
}

function number(text: string, at: number, negative: boolean): Ast {
  const sign = negative ? -1 : 1;
  if (/[jJ]$/.test(text)) return { t: 'complex', re: 0, im: sign * parseFloat(text.slice(0, -1)), at };
  const long = /[lL]$/.test(text);
  const body = long ? text.slice(0, -1) : text;
  if (/^0[xX]/.test(body)) return { t: 'int', v: BigInt(sign) * BigInt(body), long, at };
  if (/^0[bB]/.test(body)) return { t: 'int', v: BigInt(sign) * BigInt(body), long, at };
  if (/^0[oO]?[0-7]+$/.test(body) && body !== '0') return { t: 'int', v: BigInt(sign) * BigInt(`0o${body.replace(/^0[oO]?/, '')}`), long, at };
  if (/^\d+$/.test(body)) return { t: 'int', v: BigInt(sign) * BigInt(body), long, at };
  return { t: 'float', v: sign * parseFloat(body), at };
}

// ---- to a value tree ------------------------------------------------------------------------

export interface AotResult {
  value: PyValue;
  pickle: Uint8Array;
  /** Which Python's string semantics were used: plain '' literals are py2 `str` under 2. */
  python: 2 | 3;
  pythonReason: string;
}

/** Parse AOT source and write it as a protocol 2 pickle. Throws AotSyntaxError. */
export function aotToPickle(src: string): AotResult {
  const ast = new Parser(tokenize(src)).program();
  const { python, reason } = guessPython(ast);
  const value = toValue(ast, python);
  let pickle: Uint8Array;
  try {
    pickle = writePickle(value, { protocol: 2, python2: python === 2 });
  } catch (e) {
    // Only hostile shapes get here (a tuple that holds itself through Ref/Deref alone).
    throw new AotSyntaxError(0, `the objects cannot be expressed as a pickle: ${(e as Error).message}`);
  }
  return { value, pickle, python, pythonReason: reason };
}

function walk(ast: Ast, f: (a: Ast) => void): void {
  const stack: Ast[] = [ast];
  while (stack.length) {
    const a = stack.pop()!;
    f(a);
    if (a.t === 'list' || a.t === 'tuple') stack.push(...a.items);
    else if (a.t === 'dict') for (const [k, v] of a.entries) stack.push(k, v);
    else if (a.t === 'call') stack.push(...a.args, ...a.kwargs.map(([, v]) => v));
  }
}

/** Python 2 spells unicode u'' and longs 10L and has __builtin__/copy_reg; Python 3 spells b''. */
function guessPython(ast: Ast): { python: 2 | 3; reason: string } {
  let two = 0;
  let three = 0;
  walk(ast, (a) => {
    if (a.t === 'str') {
      if (a.prefix === 'u') two++;
      if (a.prefix === 'b') three++;
      if (/^(__builtin__|copy_reg|exceptions)\./.test(a.v)) two++;
      if (/^(builtins|copyreg)\./.test(a.v)) three++;
    } else if (a.t === 'int' && a.long) two++;
  });
  if (two > three) return { python: 2, reason: `Python 2 spellings seen (u'' strings, 10L longs or __builtin__/copy_reg names): plain '' strings read as Python 2 str` };
  if (three > 0) return { python: 3, reason: `Python 3 spellings seen (b'' bytes or builtins/copyreg names): plain '' strings read as str` };
  return { python: 3, reason: `no Python 2 spellings (u'', 10L, __builtin__) seen: plain '' strings read as str` };
}

function qualToGlobal(q: string, at: number): PyGlobal {
  const dot = q.lastIndexOf('.');
  if (dot <= 0 || dot === q.length - 1) throw new AotSyntaxError(at, `'${q}' is not a dotted module.name`);
  return { kind: 'global', module: q.slice(0, dot), name: q.slice(dot + 1) };
}

function toValue(root: Ast, python: 2 | 3): PyValue {
  const builtins = python === 2 ? '__builtin__' : 'builtins';
  const strOf = (s: string): PyValue => {
    if (python === 3) return s;
    // A Python 2 str: its characters are bytes (\x escapes); anything beyond latin-1 came in as UTF-8 source.
    const bytes = /^[\x00-\xff]*$/.test(s) ? Uint8Array.from(s, (c) => c.charCodeAt(0)) : new TextEncoder().encode(s);
    return { kind: 'bytes', value: bytes, py2str: true };
  };
  const stringArg = (a: Ast | undefined, what: string, at: number): string => {
    if (!a || a.t !== 'str') throw new AotSyntaxError(a?.at ?? at, `${what} must be a string`);
    return a.v;
  };

  // Pass 1: every Ref gets a shell object first, so Deref may come before its Ref in the text
  // (dictToKW sorts keys) and cycles resolve to the same object.
  const shells = new Map<number, Record<string, unknown>>();
  const refAst = new Map<number, Ast>();
  const refAt = new Map<number, number>();
  walk(root, (a) => {
    if (a.t === 'call' && a.name === 'Ref' && a.args.length === 2) {
      const n = a.args[0]!;
      if (n.t !== 'int') throw new AotSyntaxError(n.at, 'Ref number must be an integer');
      const num = Number(n.v);
      const prev = refAst.get(num);
      if (prev) throw new AotSyntaxError(Math.max(a.at, refAt.get(num)!), `Ref(${num}) defined twice`);
      refAt.set(num, a.at);
      shells.set(num, {});
      refAst.set(num, a.args[1]!);
    }
  });
  const filled = new Set<number>();

  const conv = (a: Ast, depth: number): PyValue => {
    if (depth > MAX_DEPTH) throw new AotSyntaxError(a.at, 'nested too deeply');
    switch (a.t) {
      case 'const':
        return a.v;
      case 'int':
        return { kind: 'int', value: a.v >= BigInt(Number.MIN_SAFE_INTEGER) && a.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(a.v) : a.v };
      case 'float':
        return { kind: 'float', value: a.v };
      case 'complex':
        return { kind: 'call', callable: { kind: 'global', module: builtins, name: 'complex' }, args: [{ kind: 'float', value: a.re }, { kind: 'float', value: a.im }] };
      case 'ellipsis':
        return { kind: 'global', module: builtins, name: 'Ellipsis' };
      case 'str':
        if (a.prefix === 'b') return { kind: 'bytes', value: Uint8Array.from(a.v, (c) => c.charCodeAt(0) & 0xff) };
        if (a.prefix === 'u') return a.v;
        return strOf(a.v);
      case 'list':
        return { kind: 'list', items: a.items.map((x) => conv(x, depth + 1)) };
      case 'tuple':
        return { kind: 'tuple', items: a.items.map((x) => conv(x, depth + 1)) };
      case 'dict':
        return { kind: 'dict', entries: a.entries.map(([k, v]) => [conv(k, depth + 1), conv(v, depth + 1)] as [PyValue, PyValue]) };
      case 'call':
        return call(a, depth);
    }
  };

  const call = (a: Extract<Ast, { t: 'call' }>, depth: number): PyValue => {
    const arity = (n: number): void => {
      if (a.args.length !== n || (a.name !== 'Instance' && a.kwargs.length)) throw new AotSyntaxError(a.at, `${a.name}() takes ${n} argument${n === 1 ? '' : 's'}`);
    };
    switch (a.name) {
      case 'Ref': {
        if (a.args.length === 1) return conv(a.args[0]!, depth + 1); // Ref() without a number prints as its object
        arity(2);
        const num = Number((a.args[0] as { v: bigint }).v);
        const shell = shells.get(num)!;
        if (!filled.has(num)) {
          filled.add(num);
          const inner = refAst.get(num)!;
          if (inner.t === 'call' && (inner.name === 'Ref' || inner.name === 'Deref')) throw new AotSyntaxError(inner.at, `Ref(${num}) wraps another reference`);
          const v = conv(inner, depth + 1);
          if (v === null || typeof v !== 'object') throw new AotSyntaxError(a.at, `Ref(${num}) wraps a plain literal`);
          Object.assign(shell, v);
        }
        return shell as PyValue;
      }
      case 'Deref': {
        arity(1);
        const n = a.args[0]!;
        if (n.t !== 'int') throw new AotSyntaxError(n.at, 'Deref number must be an integer');
        const shell = shells.get(Number(n.v));
        if (!shell) throw new AotSyntaxError(a.at, `Deref(${n.v}) has no Ref(${n.v})`);
        return shell as PyValue;
      }
      case 'Class':
      case 'Function':
        arity(1);
        return qualToGlobal(stringArg(a.args[0], `${a.name}()'s name`, a.at), a.at);
      case 'Module':
        arity(1);
        return { kind: 'call', callable: { kind: 'global', module: 'importlib', name: 'import_module' }, args: [strOf(stringArg(a.args[0], 'Module()\'s name', a.at))] };
      case 'Instance': {
        if (a.args.length < 1 || a.args.length > 2 || (a.args.length === 2 && a.kwargs.length)) throw new AotSyntaxError(a.at, "Instance() takes a class name and either keyword state or one state object");
        const cls = qualToGlobal(stringArg(a.args[0], "Instance()'s class", a.at), a.at);
        const state: PyValue = a.args.length === 2 ? conv(a.args[1]!, depth + 1) : { kind: 'dict', entries: a.kwargs.map(([k, v]) => [strOf(k), conv(v, depth + 1)] as [PyValue, PyValue]) };
        // Python 3's unjelly calls klass.__new__(klass) (NEWOBJ); Python 2's classes were old-style (OBJ).
        return { kind: 'instance', cls, how: python === 3 ? 'NEWOBJ' : 'OBJ', state };
      }
      case 'InstanceMethod': {
        arity(3);
        const name = stringArg(a.args[0], 'InstanceMethod()\'s method name', a.at);
        stringArg(a.args[1], 'InstanceMethod()\'s class', a.at);
        return { kind: 'call', callable: { kind: 'global', module: builtins, name: 'getattr' }, args: [conv(a.args[2]!, depth + 1), strOf(name)] };
      }
      case 'Copyreg': {
        arity(2);
        const fn = qualToGlobal(stringArg(a.args[0], "Copyreg()'s function", a.at), a.at);
        const state = conv(a.args[1]!, depth + 1);
        const args = state !== null && typeof state === 'object' && state.kind === 'tuple' ? state.items : [state];
        return { kind: 'call', callable: fn, args };
      }
      case 'slice':
      case 'complex':
      case 'set':
      case 'frozenset':
        return { kind: 'call', callable: { kind: 'global', module: builtins, name: a.name }, args: a.args.map((x) => conv(x, depth + 1)) };
      default:
        throw new AotSyntaxError(a.at, `unknown constructor ${a.name}`);
    }
  };

  return conv(root, 0);
}
