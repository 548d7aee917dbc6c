// One module's facts, read from its tree-sitter syntax tree: names bound at module level,
// classes (bases as written, class-level names, methods), per-method uses of `self.<attr>`, and
// assignments to other objects' attributes. Pure: a tree and some context in, plain data out.
// Names are resolved later (resolve.ts), once every module of the release is known.
import type { Node, Tree } from 'web-tree-sitter';
import type {
  AttrUse,
  Binding,
  ClassInfo,
  ExternalSet,
  Guard,
  MethodInfo,
  ModuleInfo,
  SourceLoc,
  StaticValue,
} from './model.js';
import { dict } from './dict.js';

/** What the extractor needs to know about the rest of the release. */
export interface ExtractContext {
  module: string;
  /** File path relative to the release root, with `/`. */
  file: string;
  isPackage: boolean;
  /** Every module name of the release and its --lib paths (for Python 2 implicit relative imports). */
  moduleNames: ReadonlySet<string>;
}

/** A type hint to be resolved once all modules are known. */
export type Hint =
  | { kind: 'expr'; module: string; expr: string } // a class expression in `module`'s scope
  | { kind: 'self-attr'; classKey: string; attr: string }; // the constructor assigned to self.<attr>

export interface PendingExternalSet {
  set: ExternalSet;
  hint?: Hint;
}

/** `recv.method(...)` outside `recv`'s class: may set attributes through that method. */
export interface PendingMethodCall {
  receiver: string;
  method: string;
  hint?: Hint;
  loc: SourceLoc;
}

export interface ModuleFacts {
  module: ModuleInfo;
  classes: ClassInfo[];
  externalSets: PendingExternalSet[];
  methodCalls: PendingMethodCall[];
  /** Classes with find_class/find_global, and the rename dicts read from them. */
  findGlobals: Array<{ classKey: string; loc: SourceLoc; renames: Record<string, string> }>;
  /** `self.x = Foo(); self.x.bar()`: the constructor expression of attrCalls, to resolve later. */
  lines: number;
  /**
   * Python 2 implicit relative imports applied in a module of neutral syntax: the binding
   * (mod.names[name][index], or starImports[star]) and the absolute module a Python 3 release
   * would import instead. load.ts reverts them when the release as a whole is Python 3.
   */
  implicitRelative: Array<{ name: string; index: number; absolute: string } | { star: number; absolute: string }>;
}

const UPGRADE_RE = /^upgradeToVersion(\d+)$/;
const CATCHES_ATTRIBUTE_ERROR = new Set(['AttributeError', 'Exception', 'BaseException', 'StandardError']);
const PY2_NODES = ['print_statement', 'exec_statement', 'except_clause', 'integer'];
const PY2_CANDIDATE = /^[ \t]*(?:print|exec)(?:[ \t]+[^\s(=]|[ \t]*$)|except[^:\n]*,[^:\n]*:|\d[lL]\b/m;
const PY3_NODES = ['nonlocal_statement', 'await', 'interpolation', 'type'];
const PY3_CANDIDATE = /\bnonlocal\b|\bawait\b|->|\b[fF][rR]?['"]|\b[rR][fF]['"]/;

interface Guards {
  /** Attributes known present here (hasattr / `in __dict__` tested true), and by what test. */
  present: ReadonlyMap<string, Guard>;
  /** Inside a `try` body whose handlers catch AttributeError. */
  tryExcept: boolean;
}

const NO_GUARDS: Guards = { present: new Map(), tryExcept: false };

interface MethodState {
  selfName?: string;
  info: MethodInfo;
  /** Local variable → constructor/annotation expression, for receivers of external sets. */
  locals: Map<string, string>;
  /** self.<attr> → constructor expression assigned in this method (for attrCalls). */
  ctorAttrs: Map<string, string>;
  classKey?: string;
}

/** Condition facts: attributes present when the condition is true (pos) or false (neg). */
interface CondFacts {
  pos: Map<string, Guard>;
  neg: Map<string, Guard>;
}

function unquote(node: Node): string | undefined {
  // Only plain string literals: no f-strings (interpolation), no implicit concatenation.
  if (node.type !== 'string') return undefined;
  let content = '';
  for (let i = 0; i < node.namedChildCount; i++) {
    const c = node.namedChild(i)!;
    if (c.type === 'interpolation') return undefined;
    if (c.type === 'string_content') content += c.text;
    else if (c.type === 'escape_sequence') return undefined;
  }
  return content;
}

function staticValue(node: Node): StaticValue {
  const text = node.text;
  if (isLiteral(node)) return { kind: 'literal', python: text };
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    if (fn && (fn.type === 'identifier' || isDotted(fn)) && args && args.type === 'argument_list') {
      const ok = args.namedChildren.every((a) => (a.type === 'keyword_argument' ? isLiteral(a.childForFieldName('value')!) : isLiteral(a)));
      if (ok) return { kind: 'constructor', python: text };
    }
  }
  return { kind: 'expr', python: text };
}

function isLiteral(node: Node | null): boolean {
  if (!node) return false;
  switch (node.type) {
    case 'integer':
    case 'float':
    case 'true':
    case 'false':
    case 'none':
      return true;
    case 'string':
      return !node.namedChildren.some((c) => c.type === 'interpolation');
    case 'concatenated_string':
      return node.namedChildren.every(isLiteral);
    case 'unary_operator':
      return isLiteral(node.childForFieldName('argument'));
    case 'list':
    case 'tuple':
    case 'set':
    case 'parenthesized_expression':
      return node.namedChildren.every(isLiteral);
    case 'dictionary':
      return node.namedChildren.every(
        (p) => p.type === 'pair' && isLiteral(p.childForFieldName('key')) && isLiteral(p.childForFieldName('value')),
      );
    default:
      return false;
  }
}

function isDotted(node: Node): boolean {
  if (node.type === 'identifier') return true;
  if (node.type !== 'attribute') return false;
  const obj = node.childForFieldName('object');
  return obj !== null && isDotted(obj);
}

/** `importlib.import_module(…)…`, `__import__(…)…`, `getattr(…)`: what it binds is not statically known. */
function computesName(node: Node): boolean {
  let n: Node | null = node;
  while (n && (n.type === 'attribute' || n.type === 'call' || n.type === 'subscript')) {
    if (n.type === 'call') {
      const fn = n.childForFieldName('function')?.text ?? '';
      if (fn === 'getattr' || fn === '__import__' || fn === 'importlib.import_module' || fn === 'import_module' || fn === 'load_source' || fn === 'imp.load_source') return true;
      n = n.childForFieldName('function');
    } else n = n.type === 'attribute' ? n.childForFieldName('object') : n.childForFieldName('value');
  }
  return false;
}

function stringList(node: Node | null): string[] | undefined {
  if (!node) return undefined;
  if (node.type === 'string') {
    const s = unquote(node);
    return s === undefined ? undefined : [s];
  }
  if (node.type === 'list' || node.type === 'tuple' || node.type === 'parenthesized_expression') {
    const out: string[] = [];
    for (const c of node.namedChildren) {
      const s = unquote(c);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }
  return undefined;
}

/** Does this `except` clause catch AttributeError? (bare, Exception, a tuple with one of them…) */
function catchesAttributeError(clause: Node): boolean {
  const values = clause.childrenForFieldName('value');
  if (values.length === 0) return true; // bare except:
  // Python 2 `except E, e:` has two value fields: the first is the type.
  let t: Node | null = values[0]!;
  if (t.type === 'as_pattern') t = t.namedChild(0);
  if (!t) return true;
  const names = t.type === 'tuple' || t.type === 'parenthesized_expression' ? t.namedChildren : [t];
  return names.some((n) => CATCHES_ATTRIBUTE_ERROR.has(n.type === 'attribute' ? n.childForFieldName('attribute')!.text : n.text));
}

function catchesImportError(clause: Node): boolean {
  const values = clause.childrenForFieldName('value');
  if (values.length === 0) return true;
  let t: Node | null = values[0]!;
  if (t.type === 'as_pattern') t = t.namedChild(0);
  if (!t) return true;
  const names = t.type === 'tuple' || t.type === 'parenthesized_expression' ? t.namedChildren : [t];
  return names.some((n) => ['ImportError', 'ModuleNotFoundError', 'Exception', 'BaseException'].includes(n.text));
}

function blockOf(node: Node | null): Node[] {
  if (!node) return [];
  return node.type === 'block' ? node.namedChildren : [node];
}

/** How module-level code reaches a statement. */
interface ModSt {
  /** Inside `try:` whose handlers catch ImportError. */
  optional: boolean;
  /** Inside an `except ImportError:` handler or an elif/else branch. */
  fallback: boolean;
  /** Inside an `if`, a loop, or a handler: may not run. */
  conditional: boolean;
}

function flags(st: ModSt): { fallback?: boolean; conditional?: boolean } {
  return { ...(st.fallback ? { fallback: true } : {}), ...(st.conditional ? { conditional: true } : {}) };
}

function withGuards(g: Guards, add: ReadonlyMap<string, Guard>): Guards {
  if (add.size === 0) return g;
  const present = new Map(g.present);
  for (const [a, how] of add) if (!present.has(a)) present.set(a, how);
  return { present, tryExcept: g.tryExcept };
}

const EMPTY_FACTS: CondFacts = { pos: new Map(), neg: new Map() };

function intersect(a: ReadonlyMap<string, Guard>, b: ReadonlyMap<string, Guard>): Map<string, Guard> {
  return new Map([...a].filter(([k]) => b.has(k)));
}

export function extractModule(tree: Tree, text: string, ctx: ExtractContext): ModuleFacts {
  return new Extractor(tree, text, ctx).run();
}

class Extractor {
  private readonly lines: string[];
  private readonly mod: ModuleInfo;
  private readonly classes: ClassInfo[] = [];
  private readonly externalSets: PendingExternalSet[] = [];
  private readonly methodCalls: PendingMethodCall[] = [];
  private readonly findGlobals: ModuleFacts['findGlobals'] = [];
  private absoluteImport = false;
  private readonly implicitRelative: ModuleFacts['implicitRelative'] = [];
  /** Set by absModule when it made the last module name relative (neutral syntax): the absolute one. */
  private lastAbsolute: string | undefined;
  /** The package relative imports start from. */
  private readonly pkg: string;

  constructor(
    private readonly tree: Tree,
    private readonly text: string,
    private readonly ctx: ExtractContext,
  ) {
    this.lines = text.split('\n');
    this.mod = {
      name: ctx.module,
      file: ctx.file,
      isPackage: ctx.isPackage,
      classes: [],
      names: dict(),
      starImports: [],
      parseErrors: [],
    };
    this.pkg = ctx.isPackage ? ctx.module : ctx.module.split('.').slice(0, -1).join('.');
  }

  loc(node: Node): SourceLoc {
    const row = node.startPosition.row;
    return { file: this.ctx.file, line: row + 1, text: (this.lines[row] ?? '').trim() };
  }

  run(): ModuleFacts {
    const root = this.tree.rootNode;
    this.detectSyntax(root, this.text);
    if (root.hasError) this.collectErrors(root);
    this.moduleBlock(root.namedChildren, { optional: false, fallback: false, conditional: false });
    if (this.mod.attrBindings?.length === 0) delete this.mod.attrBindings;
    return {
      module: this.mod,
      classes: this.classes,
      externalSets: this.externalSets,
      methodCalls: this.methodCalls,
      findGlobals: this.findGlobals,
      lines: this.text === '' ? 0 : this.text.endsWith('\n') ? this.lines.length - 1 : this.lines.length, // as wc -l, plus an unterminated last line
      implicitRelative: this.implicitRelative,
    };
  }

  /**
   * Python 2 or 3 syntax. A full-tree search costs a quarter of a parse, so the text is screened
   * first and the tree is searched only to confirm a candidate (a `print x` may sit in a string).
   * Signatures with annotations or keyword-only parameters also mark Python 3 (see params()).
   */
  private detectSyntax(root: Node, text: string): void {
    if (PY2_CANDIDATE.test(text)) {
      for (const n of root.descendantsOfType(PY2_NODES)) {
        const t = n.type;
        if (
          t === 'print_statement' ||
          t === 'exec_statement' ||
          (t === 'except_clause' && n.childrenForFieldName('value').length > 1) ||
          (t === 'integer' && /[lL]$/.test(n.text))
        ) {
          this.mod.syntax = 2;
          return;
        }
      }
    }
    if (PY3_CANDIDATE.test(text) && root.descendantsOfType(PY3_NODES).length > 0) this.mod.syntax = 3;
  }

  private markPy3(): void {
    this.mod.syntax ??= 3;
  }

  private collectErrors(root: Node): void {
    const seen = new Set<number>();
    const visit = (n: Node): void => {
      if (this.mod.parseErrors.length >= 20) return;
      if (n.type === 'ERROR' || n.isMissing) {
        const loc = this.loc(n);
        if (!seen.has(loc.line)) {
          seen.add(loc.line);
          this.mod.parseErrors.push(loc);
        }
        if (n.type === 'ERROR') return;
      }
      if (!n.hasError) return;
      for (let i = 0; i < n.childCount; i++) visit(n.child(i)!);
    };
    visit(root);
  }

  private bind(name: string, b: Binding): void {
    (this.mod.names[name] ??= []).push(b);
  }

  private dynamic(reason: string, node: Node): void {
    (this.mod.dynamic ??= []).push({ reason, loc: this.loc(node) });
  }

  // ---------------------------------------------------------------- module level

  private moduleBlock(stmts: Node[], st: ModSt): void {
    for (const s of stmts) this.moduleStmt(s, st);
  }

  private moduleStmt(s: Node, st: ModSt): void {
    const fb = flags(st);
    switch (s.type) {
      case 'future_import_statement':
        if (s.childrenForFieldName('name').some((n) => n.text === 'absolute_import')) this.absoluteImport = true;
        return;
      case 'import_statement':
        for (const n of s.childrenForFieldName('name')) {
          if (n.type === 'aliased_import') {
            const target = this.absModule(n.childForFieldName('name')!.text);
            this.bindImport(n.childForFieldName('alias')!.text, { kind: 'import-module', module: target, loc: this.loc(s), optional: st.optional, ...fb }, this.lastAbsolute);
          } else {
            // `import a.b.c` binds `a` (and makes b an attribute of a, c of a.b).
            const full = this.absModule(n.text);
            const firstWritten = n.text.split('.')[0]!;
            const first = full.split('.').slice(0, full.split('.').length - n.text.split('.').length + 1).join('.');
            this.bindImport(firstWritten, { kind: 'import-module', module: first, loc: this.loc(s), optional: st.optional, ...fb }, this.lastAbsolute && firstWritten);
          }
        }
        return;
      case 'import_from_statement': {
        const mn = s.childForFieldName('module_name')!;
        this.lastAbsolute = undefined;
        const from = this.fromModule(mn);
        const absolute = this.lastAbsolute;
        if (from === undefined) return;
        if (s.namedChildren.some((c) => c.type === 'wildcard_import')) {
          this.mod.starImports.push(from);
          if (absolute !== undefined) this.implicitRelative.push({ star: this.mod.starImports.length - 1, absolute });
          return;
        }
        for (const n of s.childrenForFieldName('name')) {
          const name = n.type === 'aliased_import' ? n.childForFieldName('name')!.text : n.text;
          const as = n.type === 'aliased_import' ? n.childForFieldName('alias')!.text : name;
          this.bindImport(as, { kind: 'import-from', module: from, name, loc: this.loc(s), optional: st.optional, ...fb }, absolute);
        }
        return;
      }
      case 'class_definition':
        this.classDef(s, undefined, st);
        return;
      case 'function_definition':
        this.bind(s.childForFieldName('name')!.text, { kind: 'function', loc: this.loc(s), ...fb });
        this.moduleFunction(s);
        return;
      case 'decorated_definition': {
        const def = s.childForFieldName('definition');
        if (def) this.moduleStmt(def, st);
        return;
      }
      case 'expression_statement':
        for (const e of s.namedChildren) this.moduleExpr(e, st);
        return;
      case 'if_statement': {
        // Branches of a module-level `if` (sys.version checks, PY2/PY3): bindings there are
        // conditional, and an elif/else binding is a fallback of the one before it.
        const inIf = { ...st, conditional: true };
        this.moduleBlock(blockOf(s.childForFieldName('consequence')), inIf);
        for (const alt of s.childrenForFieldName('alternative')) {
          this.moduleBlock(blockOf(alt.childForFieldName('consequence') ?? alt.childForFieldName('body')), { ...inIf, fallback: true });
        }
        return;
      }
      case 'try_statement': {
        const handlers = s.namedChildren.filter((c) => c.type === 'except_clause');
        const optional = handlers.some(catchesImportError);
        this.moduleBlock(blockOf(s.childForFieldName('body')), { ...st, optional: optional || st.optional });
        for (const h of handlers) {
          const body = h.namedChildren.find((c) => c.type === 'block');
          this.moduleBlock(blockOf(body ?? null), { ...st, optional: optional || st.optional, fallback: catchesImportError(h) || st.fallback, conditional: st.conditional || !optional });
        }
        for (const c of s.namedChildren) {
          if (c.type === 'else_clause' || c.type === 'finally_clause') {
            this.moduleBlock(blockOf(c.childForFieldName('body') ?? c.namedChildren.find((x) => x.type === 'block') ?? null), st);
          }
        }
        return;
      }
      case 'for_statement':
      case 'while_statement': {
        const left = s.childForFieldName('left');
        if (left) for (const id of left.type === 'identifier' ? [left] : left.descendantsOfType('identifier')) this.bind(id.text, { kind: 'value', loc: this.loc(s), ...flags(st), conditional: true });
        this.moduleBlock(blockOf(s.childForFieldName('body')), { ...st, conditional: true });
        return;
      }
      case 'with_statement':
        this.moduleBlock(blockOf(s.childForFieldName('body')), st);
        return;
      case 'exec_statement':
        this.dynamic('exec statement', s);
        return;
      default:
        return;
    }
  }

  /** `from X import …`: the absolute module X (relative dots, Python 2 implicit relative). */
  private fromModule(mn: Node): string | undefined {
    if (mn.type === 'relative_import') {
      const prefix = mn.namedChildren.find((c) => c.type === 'import_prefix')?.text ?? '.';
      const rest = mn.namedChildren.find((c) => c.type === 'dotted_name')?.text;
      let base = this.pkg.split('.').filter(Boolean);
      for (let i = 1; i < prefix.length; i++) base = base.slice(0, -1);
      const parts = rest ? [...base, rest] : base;
      return parts.length ? parts.join('.') : undefined;
    }
    return this.absModule(mn.text);
  }

  /**
   * Python 2 implicit relative import: inside package P, `import foo` means `P.foo` when it
   * exists, unless `from __future__ import absolute_import` or the module is Python 3 syntax.
   */
  private absModule(written: string): string {
    this.lastAbsolute = undefined;
    if (this.absoluteImport || this.mod.syntax === 3 || !this.pkg) return written;
    const first = written.split('.')[0]!;
    const candidate = `${this.pkg}.${first}`;
    if (this.ctx.moduleNames.has(candidate)) {
      if (this.mod.syntax === undefined) this.lastAbsolute = written;
      return `${this.pkg}.${written}`;
    }
    return written;
  }

  /** Bind a name from an import, remembering an implicit relative choice made on neutral syntax. */
  private bindImport(name: string, b: Binding, absolute: string | undefined): void {
    this.bind(name, b);
    if (absolute !== undefined) this.implicitRelative.push({ name, index: this.mod.names[name]!.length - 1, absolute });
  }

  private moduleExpr(e: Node, st: ModSt): void {
    const fb = flags(st);
    if (e.type === 'assignment') {
      const left = e.childForFieldName('left')!;
      let right = e.childForFieldName('right');
      const targets: Node[] = [left];
      while (right && right.type === 'assignment') {
        targets.push(right.childForFieldName('left')!);
        right = right.childForFieldName('right');
      }
      for (const t of targets) this.moduleTarget(t, right, fb);
      if (right) this.scanModuleCalls(right);
      return;
    }
    if (e.type === 'augmented_assignment') {
      const left = e.childForFieldName('left')!;
      if (left.type === 'identifier') this.bind(left.text, { kind: 'value', loc: this.loc(e), ...fb });
      return;
    }
    this.scanModuleCalls(e);
  }

  private moduleTarget(t: Node, value: Node | null, fb: { fallback?: boolean }): void {
    const loc = this.loc(t);
    if (t.type === 'identifier') {
      const name = t.text;
      if (name === '__all__') {
        const all = stringList(value);
        if (all) this.mod.all = all;
      }
      if (value && isDotted(value)) this.bind(name, { kind: 'alias', target: value.text, loc, ...fb });
      else if (value && computesName(value)) this.bind(name, { kind: 'dynamic', reason: `bound to a computed lookup (${value.text.slice(0, 60)})`, loc, ...fb });
      else this.bind(name, { kind: 'value', loc, ...fb });
      return;
    }
    if (t.type === 'pattern_list' || t.type === 'tuple_pattern' || t.type === 'list_pattern' || t.type === 'tuple' || t.type === 'list') {
      for (const c of t.namedChildren) this.moduleTarget(c.type === 'list_splat_pattern' ? c.namedChild(0)! : c, null, fb);
      return;
    }
    if (t.type === 'attribute') {
      const obj = t.childForFieldName('object')!;
      const attr = t.childForFieldName('attribute')!.text;
      const valueText = value?.text ?? '';
      if (isDotted(obj)) {
        (this.mod.attrBindings ??= []).push({ receiver: obj.text, attr, value: valueText, loc });
      }
      this.externalSets.push({ set: { attr, receiver: obj.text, loc } });
      return;
    }
    if (t.type === 'subscript') {
      const v = t.childForFieldName('value')!;
      if (v.type === 'call' && v.childForFieldName('function')?.text === 'globals') this.dynamic('globals()[…] assignment', t);
      else if (v.text === 'sys.modules') {
        const key = t.childForFieldName('subscript');
        const name = key ? unquote(key) : undefined;
        this.dynamic(name !== undefined ? `sys.modules['${name}'] assignment` : 'sys.modules[…] assignment', t);
      }
      else if (v.type === 'call' && v.childForFieldName('function')?.text === 'vars') this.dynamic('vars()[…] assignment', t);
      else if (v.text === 'locals()') this.dynamic('locals()[…] assignment', t);
    }
  }

  /** Module-level calls that bind names we cannot see, and setattr(module, 'Name', value). */
  private scanModuleCalls(e: Node): void {
    if (e.type !== 'call') return;
    const fn = e.childForFieldName('function');
    const args = e.childForFieldName('arguments')?.namedChildren ?? [];
    const fname = fn?.text ?? '';
    if (fname === 'exec' || fname === 'execfile') this.dynamic(`${fname}()`, e);
    else if (fname === 'globals().update' || fname === 'vars().update' || fname === 'locals().update') this.dynamic(fname, e);
    else if (fname === 'setattr' && args.length >= 3) {
      const name = unquote(args[1]!);
      if (name !== undefined && isDotted(args[0]!)) {
        (this.mod.attrBindings ??= []).push({ receiver: args[0]!.text, attr: name, value: args[2]!.text, loc: this.loc(e) });
      } else this.dynamic('setattr with a computed name', e);
    }
  }

  // ---------------------------------------------------------------- classes

  private classDef(s: Node, outer: ClassInfo | undefined, st: ModSt): ClassInfo {
    const name = s.childForFieldName('name')!.text;
    const qualname = outer ? `${outer.qualname}.${name}` : name;
    const key = `${this.ctx.module}.${qualname}`;
    const bases: ClassInfo['bases'] = [];
    const sup = s.childForFieldName('superclasses');
    if (sup) {
      for (const b of sup.namedChildren) {
        if (b.type === 'keyword_argument' || b.type === 'list_splat' || b.type === 'dictionary_splat' || b.type === 'comment') continue;
        bases.push({ expr: b.text });
      }
    }
    const info: ClassInfo = {
      module: this.ctx.module,
      name,
      qualname,
      key,
      loc: this.loc(s),
      bases,
      classAttrs: dict(),
      methods: dict(),
      defines: { getattr: false, getattribute: false, setstate: false, getstate: false, reduce: false, reduceEx: false },
      upgradeMethods: dict(),
    };
    this.classes.push(info);
    this.mod.classes.push(key);
    if (!outer) this.bind(name, { kind: 'class', classKey: key, loc: info.loc, ...flags(st) });
    this.classBody(blockOf(s.childForFieldName('body')), info);
    return info;
  }

  private classBody(stmts: Node[], info: ClassInfo): void {
    for (const s of stmts) {
      switch (s.type) {
        case 'function_definition':
          this.method(s, info, []);
          break;
        case 'decorated_definition': {
          const def = s.childForFieldName('definition');
          const decos = s.namedChildren.filter((c) => c.type === 'decorator').map((d) => d.namedChild(0)?.text ?? '');
          if (def?.type === 'function_definition') this.method(def, info, decos);
          else if (def?.type === 'class_definition') this.nestedClass(def, info);
          break;
        }
        case 'class_definition':
          this.nestedClass(s, info);
          break;
        case 'expression_statement':
          for (const e of s.namedChildren) if (e.type === 'assignment') this.classAssign(e, info);
          break;
        case 'if_statement':
          this.classBody(blockOf(s.childForFieldName('consequence')), info);
          for (const alt of s.childrenForFieldName('alternative')) {
            this.classBody(blockOf(alt.childForFieldName('consequence') ?? alt.childForFieldName('body')), info);
          }
          break;
        case 'try_statement':
          this.classBody(blockOf(s.childForFieldName('body')), info);
          for (const c of s.namedChildren) {
            if (c.type === 'except_clause' || c.type === 'else_clause' || c.type === 'finally_clause') {
              this.classBody(blockOf(c.namedChildren.find((x) => x.type === 'block') ?? null), info);
            }
          }
          break;
        default:
          break;
      }
    }
  }

  private nestedClass(def: Node, outer: ClassInfo): void {
    const inner = this.classDef(def, outer, { optional: false, fallback: false, conditional: false });
    outer.classAttrs[inner.name] = { loc: inner.loc, value: { kind: 'expr', python: inner.name } };
  }

  private classAssign(e: Node, info: ClassInfo): void {
    const left = e.childForFieldName('left')!;
    let value = e.childForFieldName('right');
    const targets = [left];
    while (value && value.type === 'assignment') {
      targets.push(value.childForFieldName('left')!);
      value = value.childForFieldName('right');
    }
    for (const t of targets) {
      const names = t.type === 'identifier' ? [t] : t.type === 'pattern_list' || t.type === 'tuple_pattern' ? t.namedChildren.filter((c) => c.type === 'identifier') : [];
      for (const n of names) {
        const name = n.text;
        const sv: StaticValue = value && names.length === 1 ? staticValue(value) : { kind: 'expr', python: value?.text ?? '' };
        info.classAttrs[name] = { loc: this.loc(e), value: sv };
        if (name === 'persistenceVersion') {
          if (value?.type === 'integer' && /^\d+$/.test(value.text)) info.persistenceVersion = Number(value.text);
          else delete info.persistenceVersion;
        } else if (name === 'persistenceForgets') {
          const l = stringList(value);
          if (l) info.persistenceForgets = l;
        } else if (name === '__slots__') {
          const l = stringList(value);
          if (l) info.slots = l;
        } else if (value?.type === 'call') {
          // `name = staticmethod(name)` (the pre-decorator spelling).
          const fn = value.childForFieldName('function')?.text;
          const arg = value.childForFieldName('arguments')?.namedChild(0)?.text;
          const m = info.methods[name];
          if (m && arg === name && (fn === 'staticmethod' || fn === 'classmethod')) {
            if (fn === 'staticmethod') m.isStatic = true;
            else m.isClassMethod = true;
          }
        }
      }
    }
  }

  private method(def: Node, info: ClassInfo, decorators: string[]): void {
    const name = def.childForFieldName('name')!.text;
    const isStatic = decorators.includes('staticmethod');
    const isClassMethod = decorators.includes('classmethod');
    const m: MethodInfo = {
      name,
      loc: this.loc(def),
      params: [],
      defaults: 0,
      varargs: false,
      kwargs: false,
      isStatic,
      isClassMethod,
      attrs: [],
      assigned: dict(),
      setsUnknownKeys: false,
      selfCalls: [],
      attrCalls: [],
    };
    const params = this.params(def.childForFieldName('parameters'), m);
    // The first positional parameter is the instance (or the class, for a classmethod).
    const selfName = isStatic ? undefined : params.shift()?.name;
    m.params = params.map((p) => p.name);
    m.defaults = params.filter((p) => p.hasDefault).length;
    info.methods[name] = m;
    const up = UPGRADE_RE.exec(name);
    if (up) info.upgradeMethods[Number(up[1])] = name;
    switch (name) {
      case '__getattr__': info.defines.getattr = true; break;
      case '__getattribute__': info.defines.getattribute = true; break;
      case '__setstate__': info.defines.setstate = true; break;
      case '__getstate__': info.defines.getstate = true; break;
      case '__reduce__': info.defines.reduce = true; break;
      case '__reduce_ex__': info.defines.reduceEx = true; break;
      case 'find_class':
      case 'find_global':
        this.findGlobals.push({ classKey: info.key, loc: m.loc, renames: this.readRenames(def) });
        break;
      default: break;
    }
    this.functionBody(def, isClassMethod ? undefined : selfName, { m, classKey: info.key, annotations: params });
  }

  /** A module-level function: only sets on other objects and calls through typed locals matter. */
  private moduleFunction(def: Node): void {
    const scratch = this.emptyMethod(def);
    const params = this.params(def.childForFieldName('parameters'), scratch);
    this.functionBody(def, undefined, { m: scratch, classKey: '', annotations: params });
  }

  private emptyMethod(def: Node): MethodInfo {
    return {
      name: '',
      loc: this.loc(def),
      params: [],
      defaults: 0,
      varargs: false,
      kwargs: false,
      isStatic: false,
      isClassMethod: false,
      attrs: [],
      assigned: dict(),
      setsUnknownKeys: false,
      selfCalls: [],
      attrCalls: [],
    };
  }

  private params(node: Node | null, m: MethodInfo): Array<{ name: string; hasDefault: boolean; annotation?: string }> {
    const out: Array<{ name: string; hasDefault: boolean; annotation?: string }> = [];
    if (!node) return out;
    let keywordOnly = false;
    for (const p of node.namedChildren) {
      switch (p.type) {
        case 'identifier':
          if (!keywordOnly) out.push({ name: p.text, hasDefault: false });
          break;
        case 'tuple_pattern': // Python 2 tuple parameter
          if (!keywordOnly) out.push({ name: p.text, hasDefault: false });
          break;
        case 'default_parameter':
          if (!keywordOnly) out.push({ name: p.childForFieldName('name')!.text, hasDefault: true });
          break;
        case 'typed_parameter': {
          this.markPy3();
          const id = p.namedChildren.find((c) => c.type === 'identifier');
          const splat = p.namedChildren.find((c) => c.type === 'list_splat_pattern' || c.type === 'dictionary_splat_pattern');
          if (splat?.type === 'list_splat_pattern') {
            m.varargs = true;
            keywordOnly = true;
          } else if (splat) m.kwargs = true;
          else if (id && !keywordOnly) out.push({ name: id.text, hasDefault: false, annotation: p.childForFieldName('type')?.text });
          break;
        }
        case 'typed_default_parameter':
          this.markPy3();
          if (!keywordOnly) out.push({ name: p.childForFieldName('name')!.text, hasDefault: true, annotation: p.childForFieldName('type')?.text });
          break;
        case 'list_splat_pattern':
          m.varargs = true;
          keywordOnly = true;
          break;
        case 'keyword_separator':
        case 'positional_separator':
          this.markPy3();
          keywordOnly ||= p.type === 'keyword_separator';
          break;
        case 'dictionary_splat_pattern':
          m.kwargs = true;
          break;
        default:
          break;
      }
    }
    return out;
  }

  /** Rename dicts readable in a find_class/find_global body: {('old.mod','Old'): ('new.mod','New')} or 'old.mod Old' keys. */
  private readRenames(def: Node): Record<string, string> {
    const out: Record<string, string> = dict();
    for (const d of def.descendantsOfType('dictionary')) {
      for (const pair of d.namedChildren) {
        if (pair.type !== 'pair') continue;
        const k = this.renameKey(pair.childForFieldName('key'));
        const v = this.renameKey(pair.childForFieldName('value'));
        if (k && v) out[k] = v;
      }
    }
    return out;
  }

  private renameKey(n: Node | null): string | undefined {
    if (!n) return undefined;
    if (n.type === 'string') {
      const s = unquote(n)?.trim();
      return s && /^[\w.]+ [\w.]+$/.test(s) ? s : undefined;
    }
    if (n.type === 'tuple' || n.type === 'parenthesized_expression') {
      const parts = n.namedChildren.map((c) => unquote(c));
      if (parts.length === 2 && parts.every((p) => p !== undefined && /^[\w.]+$/.test(p))) return `${parts[0]} ${parts[1]}`;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- function bodies

  /**
   * Walk a function body: self-attribute uses when `selfName` is the instance, external sets and
   * method calls on other objects always.
   */
  private functionBody(
    def: Node,
    selfName: string | undefined,
    method: { m: MethodInfo; classKey: string; annotations: Array<{ name: string; annotation?: string }> } | undefined,
  ): void {
    const m: MethodInfo = method?.m ?? this.emptyMethod(def);
    const state: MethodState = { selfName, info: m, locals: new Map(), ctorAttrs: new Map(), classKey: method?.classKey || undefined };
    for (const p of method?.annotations ?? []) if (p.annotation) state.locals.set(p.name, p.annotation);
    const params = def.childForFieldName('parameters');
    if (params) for (const p of params.namedChildren) {
      const v = p.childForFieldName('value');
      if (v) this.expr(v, state, NO_GUARDS);
    }
    this.block(blockOf(def.childForFieldName('body')), state, NO_GUARDS);
  }

  private block(stmts: Node[], st: MethodState, g: Guards): void {
    let guards = g;
    for (const s of stmts) {
      this.stmt(s, st, guards);
      // `if not hasattr(self, 'x'): self.x = …` (or return/raise): x is present afterwards.
      if (s.type === 'if_statement' && st.selfName) {
        const facts = this.condFacts(s.childForFieldName('condition')!, st);
        if (facts.neg.size > 0 && s.childrenForFieldName('alternative').length === 0) {
          const body = blockOf(s.childForFieldName('consequence'));
          const last = body[body.length - 1];
          const exits = last !== undefined && (last.type === 'return_statement' || last.type === 'raise_statement');
          const add = new Map([...facts.neg].filter(([a]) => exits || this.setsSelfAttr(body, st.selfName!, a)));
          guards = withGuards(guards, add);
        }
      }
    }
  }

  private setsSelfAttr(stmts: Node[], selfName: string, attr: string): boolean {
    for (const s of stmts) {
      for (const a of s.descendantsOfType(['assignment', 'augmented_assignment'])) {
        const left = a.childForFieldName('left');
        if (!left) continue;
        const targets = left.type === 'attribute' ? [left] : left.descendantsOfType('attribute');
        if (targets.some((t) => t.childForFieldName('object')?.text === selfName && t.childForFieldName('attribute')?.text === attr)) return true;
      }
      for (const c of s.descendantsOfType('call')) {
        const fn = c.childForFieldName('function')?.text;
        const args = c.childForFieldName('arguments')?.namedChildren ?? [];
        if (fn === 'setattr' && args[0]?.text === selfName && args[1] && unquote(args[1]) === attr) return true;
      }
    }
    return false;
  }

  private stmt(s: Node, st: MethodState, g: Guards): void {
    switch (s.type) {
      case 'expression_statement':
        for (const e of s.namedChildren) this.exprStmt(e, st, g);
        return;
      case 'if_statement': {
        const cond = s.childForFieldName('condition')!;
        this.expr(cond, st, g);
        const facts = this.condFacts(cond, st);
        this.block(blockOf(s.childForFieldName('consequence')), st, withGuards(g, facts.pos));
        let neg = facts.neg;
        for (const alt of s.childrenForFieldName('alternative')) {
          if (alt.type === 'elif_clause') {
            const c2 = alt.childForFieldName('condition')!;
            const g2 = withGuards(g, neg);
            this.expr(c2, st, g2);
            const f2 = this.condFacts(c2, st);
            this.block(blockOf(alt.childForFieldName('consequence')), st, withGuards(g2, f2.pos));
            neg = new Map([...f2.neg, ...neg]);
          } else {
            this.block(blockOf(alt.childForFieldName('body')), st, withGuards(g, neg));
          }
        }
        return;
      }
      case 'try_statement': {
        const handlers = s.namedChildren.filter((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
        const guarded = handlers.some(catchesAttributeError);
        this.block(blockOf(s.childForFieldName('body')), st, guarded ? { present: g.present, tryExcept: true } : g);
        for (const c of s.namedChildren) {
          if (c.type === 'except_clause' || c.type === 'except_group_clause') {
            for (const v of c.childrenForFieldName('value')) this.expr(v, st, g);
            this.block(blockOf(c.namedChildren.find((x) => x.type === 'block') ?? null), st, g);
          } else if (c.type === 'else_clause' || c.type === 'finally_clause') {
            this.block(blockOf(c.childForFieldName('body') ?? c.namedChildren.find((x) => x.type === 'block') ?? null), st, g);
          }
        }
        return;
      }
      case 'for_statement': {
        const right = s.childForFieldName('right');
        if (right) this.expr(right, st, g);
        const left = s.childForFieldName('left');
        if (left) this.target(left, null, st, g, s);
        this.block(blockOf(s.childForFieldName('body')), st, g);
        const alt = s.childForFieldName('alternative');
        if (alt) this.block(blockOf(alt.childForFieldName('body')), st, g);
        return;
      }
      case 'while_statement': {
        const cond = s.childForFieldName('condition')!;
        this.expr(cond, st, g);
        this.block(blockOf(s.childForFieldName('body')), st, withGuards(g, this.condFacts(cond, st).pos));
        const alt = s.childForFieldName('alternative');
        if (alt) this.block(blockOf(alt.childForFieldName('body')), st, g);
        return;
      }
      case 'with_statement': {
        for (const c of s.namedChildren) {
          if (c.type !== 'with_clause') continue;
          for (const item of c.namedChildren) {
            const v = item.childForFieldName('value');
            if (!v) continue;
            if (v.type === 'as_pattern') {
              const inner = v.namedChild(0);
              if (inner) this.expr(inner, st, g);
              const alias = v.childForFieldName('alias')?.namedChild(0);
              if (alias) this.target(alias, null, st, g, s);
            } else this.expr(v, st, g);
          }
        }
        this.block(blockOf(s.childForFieldName('body')), st, g);
        return;
      }
      case 'delete_statement':
        for (const t of s.namedChildren) {
          const items = t.type === 'expression_list' ? t.namedChildren : [t];
          for (const i of items) this.deleteTarget(i, st, g);
        }
        return;
      case 'function_definition': {
        // A closure: `self` still names the instance inside it, unless it is rebound.
        const params = s.childForFieldName('parameters');
        const rebinds = params?.namedChildren.some((p) => (p.type === 'identifier' ? p.text : p.childForFieldName('name')?.text) === st.selfName);
        if (params) for (const p of params.namedChildren) {
          const v = p.childForFieldName('value');
          if (v) this.expr(v, st, g);
        }
        this.block(blockOf(s.childForFieldName('body')), rebinds ? { ...st, selfName: undefined } : st, NO_GUARDS);
        return;
      }
      case 'decorated_definition': {
        for (const d of s.namedChildren) if (d.type === 'decorator') this.expr(d, st, g);
        const def = s.childForFieldName('definition');
        if (def) this.stmt(def, st, g);
        return;
      }
      case 'class_definition':
        return; // a class made inside a function cannot be found by pickle: not indexed
      case 'exec_statement':
        for (const c of s.namedChildren) this.expr(c, st, g);
        return;
      default:
        for (const c of s.namedChildren) {
          if (c.type === 'block') this.block(c.namedChildren, st, g);
          else this.expr(c, st, g);
        }
        return;
    }
  }

  private exprStmt(e: Node, st: MethodState, g: Guards): void {
    if (e.type === 'assignment') {
      let right = e.childForFieldName('right');
      const targets = [e.childForFieldName('left')!];
      while (right && right.type === 'assignment') {
        targets.push(right.childForFieldName('left')!);
        right = right.childForFieldName('right');
      }
      if (right) this.expr(right, st, g);
      const type = e.childForFieldName('type');
      for (const t of targets) {
        if (type && t.type === 'identifier') st.locals.set(t.text, type.text);
        this.target(t, right, st, g, e);
      }
      return;
    }
    if (e.type === 'augmented_assignment') {
      const left = e.childForFieldName('left')!;
      const right = e.childForFieldName('right');
      if (right) this.expr(right, st, g);
      const attr = this.selfAttr(left, st);
      if (attr !== undefined) {
        this.use(st, attr, 'set', e, g, true);
        st.info.assigned[attr] = { kind: 'expr', python: e.text };
      } else this.expr(left, st, g);
      return;
    }
    this.expr(e, st, g);
  }

  /** `self.<attr>` → attr. */
  private selfAttr(n: Node, st: MethodState): string | undefined {
    if (!st.selfName || n.type !== 'attribute') return undefined;
    const obj = n.childForFieldName('object');
    if (obj?.type !== 'identifier' || obj.text !== st.selfName) return undefined;
    return n.childForFieldName('attribute')!.text;
  }

  /** `self.__dict__` or `vars(self)`. */
  private isSelfDict(n: Node | null, st: MethodState): boolean {
    if (!n || !st.selfName) return false;
    if (n.type === 'attribute') return this.selfAttr(n, st) === '__dict__';
    if (n.type === 'call') {
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      return n.childForFieldName('function')?.text === 'vars' && args.length === 1 && args[0]!.text === st.selfName;
    }
    return false;
  }

  private use(st: MethodState, attr: string, kind: AttrUse['kind'], node: Node, g: Guards, augmented = false, guard?: Guard): void {
    const u: AttrUse = { attr, kind, loc: this.loc(node) };
    if ((kind === 'read' || augmented) && !guard) {
      if (g.present.has(attr)) guard = g.present.get(attr);
      else if (g.tryExcept) guard = 'try-except';
    }
    if (kind === 'read' && guard) u.kind = 'guarded-read';
    if (guard) u.guard = guard;
    if (augmented) u.augmented = true;
    st.info.attrs.push(u);
  }

  private target(t: Node, value: Node | null, st: MethodState, g: Guards, at: Node): void {
    switch (t.type) {
      case 'identifier':
        if (value?.type === 'call') {
          const fn = value.childForFieldName('function');
          if (fn && isDotted(fn)) st.locals.set(t.text, fn.text);
          else st.locals.delete(t.text);
        } else if (!(value === null && st.locals.has(t.text) && at.type === 'for_statement')) st.locals.delete(t.text);
        return;
      case 'attribute': {
        const attr = this.selfAttr(t, st);
        if (attr !== undefined) {
          if (attr === '__dict__') {
            st.info.setsUnknownKeys = true;
            return;
          }
          this.use(st, attr, 'set', at, g);
          if (value) {
            st.info.assigned[attr] = staticValue(value);
            const fn = value.type === 'call' ? value.childForFieldName('function') : null;
            if (fn && isDotted(fn)) st.ctorAttrs.set(attr, fn.text);
            else st.ctorAttrs.delete(attr);
          } else st.info.assigned[attr] = { kind: 'expr', python: at.text };
          return;
        }
        const obj = t.childForFieldName('object')!;
        this.expr(obj, st, g);
        this.externalSet(obj, t.childForFieldName('attribute')!.text, st, at);
        return;
      }
      case 'subscript': {
        const v = t.childForFieldName('value')!;
        const key = t.childForFieldName('subscript');
        if (this.isSelfDict(v, st)) {
          const name = key ? unquote(key) : undefined;
          if (name !== undefined) {
            this.use(st, name, 'set', at, g);
            if (value) st.info.assigned[name] = staticValue(value);
          } else st.info.setsUnknownKeys = true;
          if (key && name === undefined) this.expr(key, st, g);
          return;
        }
        this.expr(v, st, g);
        for (const c of t.childrenForFieldName('subscript')) this.expr(c, st, g);
        return;
      }
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list':
      case 'parenthesized_expression': {
        const items = t.namedChildren;
        const values = value && (value.type === 'expression_list' || value.type === 'tuple' || value.type === 'list') && value.namedChildCount === items.length ? value.namedChildren : undefined;
        items.forEach((c, i) => this.target(c, values?.[i] ?? null, st, g, at));
        return;
      }
      case 'list_splat_pattern':
      case 'list_splat':
        for (const c of t.namedChildren) this.target(c, null, st, g, at);
        return;
      default:
        this.expr(t, st, g);
    }
  }

  private externalSet(obj: Node, attr: string, st: MethodState, at: Node): void {
    const receiver = obj.text;
    const set: ExternalSet = { attr, receiver, loc: this.loc(at) };
    this.externalSets.push({ set, hint: this.receiverHint(obj, st) });
  }

  /** What we know statically about the receiver's class: a constructor, an annotation, self.x = Foo(). */
  private receiverHint(obj: Node, st: MethodState): Hint | undefined {
    if (obj.type === 'identifier') {
      const expr = st.locals.get(obj.text);
      return expr ? { kind: 'expr', module: this.ctx.module, expr } : undefined;
    }
    const attr = this.selfAttr(obj, st);
    if (attr !== undefined && st.classKey) return { kind: 'self-attr', classKey: st.classKey, attr };
    return undefined;
  }

  private deleteTarget(t: Node, st: MethodState, g: Guards): void {
    const attr = this.selfAttr(t, st);
    if (attr !== undefined) {
      this.use(st, attr, 'del', t, g);
      return;
    }
    if (t.type === 'subscript' && this.isSelfDict(t.childForFieldName('value'), st)) {
      const key = t.childForFieldName('subscript');
      const name = key ? unquote(key) : undefined;
      if (name !== undefined) {
        this.use(st, name, 'del', t, g);
        return;
      }
    }
    this.expr(t, st, g);
  }

  /** Facts a condition establishes about self's attributes. */
  private condFacts(c: Node, st: MethodState): CondFacts {
    if (!st.selfName) return EMPTY_FACTS;
    const one = (a: string | undefined, how: Guard, positive: boolean): CondFacts =>
      a === undefined ? EMPTY_FACTS : positive ? { pos: new Map([[a, how]]), neg: new Map() } : { pos: new Map(), neg: new Map([[a, how]]) };
    switch (c.type) {
      case 'parenthesized_expression':
        return c.namedChild(0) ? this.condFacts(c.namedChild(0)!, st) : EMPTY_FACTS;
      case 'not_operator': {
        const f = this.condFacts(c.childForFieldName('argument')!, st);
        return { pos: f.neg, neg: f.pos };
      }
      case 'boolean_operator': {
        const op = c.childForFieldName('operator')?.text;
        const l = this.condFacts(c.childForFieldName('left')!, st);
        const r = this.condFacts(c.childForFieldName('right')!, st);
        if (op === 'and') return { pos: new Map([...r.pos, ...l.pos]), neg: intersect(l.neg, r.neg) };
        return { pos: intersect(l.pos, r.pos), neg: new Map([...r.neg, ...l.neg]) };
      }
      case 'call': {
        const fn = c.childForFieldName('function');
        const args = c.childForFieldName('arguments')?.namedChildren ?? [];
        if (fn?.text === 'hasattr' && args.length === 2 && args[0]!.text === st.selfName) return one(unquote(args[1]!), 'hasattr', true);
        if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'has_key' && this.isSelfDict(fn.childForFieldName('object'), st)) {
          return one(args[0] ? unquote(args[0]) : undefined, 'dict-in', true);
        }
        return EMPTY_FACTS;
      }
      case 'comparison_operator': {
        const kids = c.namedChildren;
        if (kids.length === 2 && this.isSelfDict(kids[1]!, st)) {
          const a = unquote(kids[0]!);
          const op = c.childrenForFieldName('operators').map((o) => o.type).join(' ');
          if (op === 'in') return one(a, 'dict-in', true);
          if (op === 'not in') return one(a, 'dict-in', false);
        }
        return EMPTY_FACTS;
      }
      default:
        return EMPTY_FACTS;
    }
  }

  /**
   * Could this expression hold anything we record? Only uses of self, and calls/sets through
   * locals whose class we know. Checked on the text, to skip walking most expressions (speed).
   */
  private interesting(n: Node, st: MethodState): boolean {
    if (!st.selfName && st.locals.size === 0) return false;
    const t = n.text;
    if (st.selfName && t.includes(st.selfName)) return true;
    for (const k of st.locals.keys()) if (t.includes(k)) return true;
    return false;
  }

  private expr(n: Node, st: MethodState, g: Guards): void {
    if (n.namedChildCount > 0 && !this.interesting(n, st)) return;
    switch (n.type) {
      case 'identifier':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'comment':
      case 'string_content':
      case 'string_start':
      case 'string_end':
      case 'escape_sequence':
        return;
      case 'attribute': {
        const attr = this.selfAttr(n, st);
        if (attr !== undefined) {
          if (attr !== '__dict__' && attr !== '__class__') this.use(st, attr, 'read', n, g);
          return;
        }
        this.expr(n.childForFieldName('object')!, st, g);
        return;
      }
      case 'subscript': {
        const v = n.childForFieldName('value')!;
        if (this.isSelfDict(v, st)) {
          const key = n.childForFieldName('subscript');
          const name = key ? unquote(key) : undefined;
          if (name !== undefined) {
            this.use(st, name, 'read', n, g);
            return;
          }
        }
        for (const c of n.namedChildren) this.expr(c, st, g);
        return;
      }
      case 'call':
        this.call(n, st, g);
        return;
      case 'boolean_operator': {
        const left = n.childForFieldName('left')!;
        const right = n.childForFieldName('right')!;
        this.expr(left, st, g);
        const f = this.condFacts(left, st);
        const op = n.childForFieldName('operator')?.text;
        this.expr(right, st, withGuards(g, op === 'and' ? f.pos : f.neg));
        return;
      }
      case 'conditional_expression': {
        const [body, cond, orelse] = n.namedChildren;
        if (cond) this.expr(cond, st, g);
        const f = cond ? this.condFacts(cond, st) : EMPTY_FACTS;
        if (body) this.expr(body, st, withGuards(g, f.pos));
        if (orelse) this.expr(orelse, st, withGuards(g, f.neg));
        return;
      }
      case 'comparison_operator': {
        const kids = n.namedChildren;
        if (kids.length === 2 && this.isSelfDict(kids[1]!, st)) {
          const a = unquote(kids[0]!);
          if (a !== undefined) {
            this.use(st, a, 'guarded-read', n, g, false, 'dict-in');
            return;
          }
        }
        for (const c of kids) this.expr(c, st, g);
        return;
      }
      case 'lambda': {
        const body = n.childForFieldName('body');
        if (body) this.expr(body, st, NO_GUARDS);
        return;
      }
      case 'assignment': // walrus-like nested assignments in odd places
      case 'named_expression':
        for (const c of n.namedChildren) this.expr(c, st, g);
        return;
      default:
        for (const c of n.namedChildren) this.expr(c, st, g);
    }
  }

  private call(n: Node, st: MethodState, g: Guards): void {
    const fn = n.childForFieldName('function')!;
    const argList = n.childForFieldName('arguments');
    const args = argList?.type === 'argument_list' ? argList.namedChildren : argList ? [argList] : [];
    const positional = args.filter((a) => a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat' && a.type !== 'comment').length;
    const hasStarArgs = args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat');
    const self = st.selfName;
    const walkArgs = (from = 0): void => {
      for (let i = from; i < args.length; i++) this.expr(args[i]!, st, g);
    };
    if (fn.type === 'identifier' && self && args[0]?.text === self) {
      const name = args[1] ? unquote(args[1]) : undefined;
      switch (fn.text) {
        case 'hasattr':
          if (name !== undefined) {
            this.use(st, name, 'guarded-read', n, g, false, 'hasattr');
            return walkArgs(2);
          }
          break;
        case 'getattr':
          if (name !== undefined) {
            if (args.length >= 3) this.use(st, name, 'guarded-read', n, g, false, 'getattr-default');
            else this.use(st, name, 'read', n, g);
            return walkArgs(2);
          }
          break;
        case 'setattr':
          if (name !== undefined) {
            this.use(st, name, 'set', n, g);
            if (args[2]) st.info.assigned[name] = staticValue(args[2]);
          } else st.info.setsUnknownKeys = true;
          return walkArgs(1);
        case 'delattr':
          if (name !== undefined) {
            this.use(st, name, 'del', n, g);
            return walkArgs(2);
          }
          break;
        default:
          break;
      }
    }
    if (fn.type === 'attribute') {
      const obj = fn.childForFieldName('object')!;
      const meth = fn.childForFieldName('attribute')!.text;
      if (this.isSelfDict(obj, st)) {
        const name = args[0] ? unquote(args[0]) : undefined;
        if ((meth === 'get' || meth === 'has_key') && name !== undefined) {
          this.use(st, name, 'guarded-read', n, g, false, meth === 'get' ? 'dict-get' : 'dict-in');
          return walkArgs(1);
        }
        if (meth === 'setdefault' && name !== undefined) {
          this.use(st, name, 'set', n, g);
          if (args[1]) st.info.assigned[name] = staticValue(args[1]);
          return walkArgs(1);
        }
        if (meth === 'pop' && name !== undefined) {
          this.use(st, name, args.length >= 2 ? 'guarded-read' : 'read', n, g, false, args.length >= 2 ? 'dict-get' : undefined);
          this.use(st, name, 'del', n, g);
          return walkArgs(1);
        }
        if (meth === 'update' || meth === 'clear' || meth === 'setdefault' || meth === 'pop' || meth === 'popitem') {
          st.info.setsUnknownKeys = true;
          return walkArgs();
        }
        return walkArgs();
      }
      const selfMeth = this.selfAttr(fn, st);
      if (selfMeth !== undefined) {
        st.info.selfCalls.push({ name: selfMeth, positional, hasStarArgs, loc: this.loc(n) });
        this.use(st, selfMeth, 'read', fn, g);
        return walkArgs();
      }
      // self.x.bar(…) where self.x = Foo(…) earlier in this method.
      const viaAttr = this.selfAttr(obj, st);
      if (viaAttr !== undefined && st.ctorAttrs.has(viaAttr)) {
        st.info.attrCalls.push({ attr: viaAttr, classRef: st.ctorAttrs.get(viaAttr)!, method: meth, positional, hasStarArgs, loc: this.loc(n) });
      }
      if (obj.type === 'identifier' || viaAttr !== undefined) {
        if (obj.text !== self) this.methodCalls.push({ receiver: obj.text, method: meth, hint: this.receiverHint(obj, st), loc: this.loc(n) });
      }
      this.expr(obj, st, g);
      return walkArgs();
    }
    this.expr(fn, st, g);
    walkArgs();
  }
}
