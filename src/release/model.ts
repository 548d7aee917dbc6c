// The release model: what a release's Python code says about its classes, as pickle and
// Twisted's styles.Versioned will see them. Built by the indexer from source, read by
// `rehearse release`, the simulated replay, and the live replay's probes.
//
// This file is the contract; the indexer in this folder fills it.

/** A place in the release. `file` is relative to the release root, with `/` separators. */
export interface SourceLoc {
  file: string;
  line: number;
  /** The source line, trimmed (for evidence in reports). */
  text: string;
}

/** How `self.<attr>` is used. */
export type AttrUseKind =
  | 'set' // self.x = …, self.x += … (also counts as a read), setattr(self, 'x', …), self.__dict__['x'] = …
  | 'del' // del self.x, delattr(self, 'x')
  | 'read' // unguarded: raises AttributeError when missing
  | 'guarded-read'; // hasattr/getattr-with-default/try-except AttributeError/__dict__.get

export type Guard = 'hasattr' | 'getattr-default' | 'try-except' | 'dict-get' | 'dict-in';

export interface AttrUse {
  attr: string;
  kind: AttrUseKind;
  guard?: Guard;
  /** For augmented assignment `self.x += 1`: a read that happens before the set. */
  augmented?: boolean;
  loc: SourceLoc;
}

/** A literal value, as far as static analysis can tell (for defaults in suggestions). */
export type StaticValue =
  | { kind: 'literal'; python: string } // the source text of a literal: 0, 'x', None, [], {}, (), True
  | { kind: 'constructor'; python: string } // a simple call with literal args: set(), dict(), Foo()
  | { kind: 'expr'; python: string }; // anything else (not offered as a default)

export interface MethodInfo {
  name: string;
  loc: SourceLoc;
  /** Positional parameter names after `self` (for arity checks). */
  params: string[];
  /** How many of `params` have defaults. */
  defaults: number;
  varargs: boolean;
  kwargs: boolean;
  isStatic: boolean;
  isClassMethod: boolean;
  attrs: AttrUse[];
  /** Values assigned to `self.<attr>` (last one wins), for suggestions. */
  assigned: Record<string, StaticValue>;
  /** `self.__dict__.update(...)` or `setattr(self, <non-literal>, …)`: sets keys we cannot name. */
  setsUnknownKeys: boolean;
  /** Calls of other methods on self: `self.foo(a, b)` (for requireUpgrade/arity/ transitive sets). */
  selfCalls: Array<{ name: string; positional: number; hasStarArgs: boolean; loc: SourceLoc }>;
  /**
   * Calls through attributes assigned in the same method from a known class constructor:
   * `self.x = Foo(); self.x.bar(1, 2)` → { attr: 'x', className: resolved Foo, method: 'bar', positional: 2 }.
   */
  attrCalls: Array<{ attr: string; classRef: string; method: string; positional: number; hasStarArgs: boolean; loc: SourceLoc }>;
}

export interface ClassInfo {
  /** Module where the class statement is. */
  module: string;
  /** The class name (`__name__`). */
  name: string;
  /** Dotted path inside the module for nested classes (`Outer.Inner`). */
  qualname: string;
  /** `module.qualname`: the model's key for the class. */
  key: string;
  loc: SourceLoc;
  /** Bases as written, and what each resolves to (a class key, or an external qualified name). */
  bases: Array<{ expr: string; resolved?: string; external?: boolean }>;
  /** Names bound in the class body that are not methods (class-level defaults). */
  classAttrs: Record<string, { loc: SourceLoc; value: StaticValue }>;
  methods: Record<string, MethodInfo>;
  slots?: string[];
  /** Special methods defined in the class's own body. */
  defines: {
    getattr: boolean;
    getattribute: boolean;
    setstate: boolean;
    getstate: boolean;
    reduce: boolean;
    reduceEx: boolean;
  };
  /** `persistenceVersion = N` in the class's own body (undefined if absent or not an int literal). */
  persistenceVersion?: number;
  persistenceForgets?: string[];
  /** `upgradeToVersionN` methods defined in the class's own body, by N. */
  upgradeMethods: Record<number, string>;
  /** `Cls.__module__ = 'x'` anywhere in the release: what `__module__` becomes at run time. */
  moduleOverride?: { value: string; loc: SourceLoc };
}

/** How a name is bound at module level. */
export type Binding = (
  | { kind: 'class'; classKey: string; loc: SourceLoc }
  | { kind: 'import-from'; module: string; name: string; loc: SourceLoc; optional: boolean } // from m import n [as x]
  | { kind: 'import-module'; module: string; loc: SourceLoc; optional: boolean } // import a.b as x / import a
  | { kind: 'alias'; target: string; loc: SourceLoc } // X = Y or X = mod.Y (dotted expr)
  | { kind: 'function'; loc: SourceLoc }
  | { kind: 'value'; loc: SourceLoc } // any other assignment
  | { kind: 'dynamic'; reason: string; loc: SourceLoc } // exec, globals()[...] =, setattr(module, computed)
) & {
  /**
   * Bound in an `except ImportError:` (or bare `except:`) handler, or in an elif/else branch of a
   * module-level `if`: the fallback of the binding before it, in effect only when that one does
   * not resolve. (Added.)
   */
  fallback?: boolean;
  /** Bound inside a module-level `if`, loop or exception handler: may not run. (Added.) */
  conditional?: boolean;
};

export interface ModuleInfo {
  name: string;
  file: string;
  isPackage: boolean;
  /** Class keys defined in this module (top-level and nested). */
  classes: string[];
  /** Module-level names (last binding wins, like Python; all bindings kept for reporting). */
  names: Record<string, Binding[]>;
  /** Star imports (`from x import *`): names may come from there. */
  starImports: string[];
  /** True for modules indexed from a `--lib` directory (not part of the release). (Added.) */
  external?: boolean;
  /** `__all__` when it is a literal list/tuple of strings (limits star imports). (Added.) */
  all?: string[];
  /**
   * Module-level `recv.name = value` (and `setattr(recv, 'name', value)`) where `recv` is not a
   * local variable: late bindings into other modules, `Cls.__module__ = '…'`. (Added.)
   */
  attrBindings?: Array<{ receiver: string; attr: string; value: string; loc: SourceLoc }>;
  /** Module-level code that binds names we cannot see: exec, globals()[…], sys.modules[…] = …. (Added.) */
  dynamic?: Array<{ reason: string; loc: SourceLoc }>;
  /** Python syntax detected (`2` if py2-only constructs were seen, `3` if py3-only, undefined if neutral). */
  syntax?: 2 | 3;
  parseErrors: SourceLoc[];
}

/** An assignment `expr.attr = …` (or a call that sets attrs on another object) outside the class. */
export interface ExternalSet {
  attr: string;
  /** The receiver expression as written, e.g. `build`, `s`, `self.builder`. */
  receiver: string;
  /** Class key when the receiver's type is statically known (e.g. assigned from a constructor or a loop over a typed list). */
  classKey?: string;
  /** Set through a call of a method that sets it: `obj.setLogCompressionLimit(…)`. */
  viaMethod?: string;
  loc: SourceLoc;
}

/** A custom unpickler's class lookup (`find_global` / `find_class`) found in the release. */
export interface FindGlobalOverride {
  loc: SourceLoc;
  /** Renames it makes that could be read statically: "old.module Old" → "new.module New". */
  renames: Record<string, string>;
}

export type Resolution =
  | { status: 'found'; classKey: string; via: string[] } // via: the chain of bindings followed
  | { status: 'found-non-class'; what: string; via: string[] } // resolves, but to a function/value
  | { status: 'external'; qualified: string; known: true } // stdlib/builtin table, or --lib
  | { status: 'unknown'; module: string; reason: string } // external package not given with --lib: not checked
  | { status: 'renamed'; to: { module: string; name: string }; source: string; then: Resolution }
  | { status: 'missing-module'; module: string }
  | { status: 'missing-class'; module: string; name: string }
  | { status: 'dynamic'; reason: string; loc?: SourceLoc }; // not statically known

export interface ReleaseModel {
  /** Absolute path (or archive path) of the release as given. */
  source: string;
  /** sha256 over the sorted (path, content) pairs of the Python files. */
  contentHash: string;
  /** Inferred Python major version of the release's syntax. */
  python?: 2 | 3;
  modules: Record<string, ModuleInfo>;
  classes: Record<string, ClassInfo>;
  externalSets: ExternalSet[];
  findGlobalOverrides: FindGlobalOverride[];
  /**
   * Class renames in effect when loading: from `--rename` and statically read `find_class`
   * renames. Key and value are `"module Name"`. (Added.)
   */
  renames?: Record<string, { to: string; source: string }>;
  /** `--lib` directories indexed as external search paths. (Added.) */
  libs?: string[];
  /** Files that could not be parsed cleanly (the rest of the release still loads). */
  parseErrors: SourceLoc[];
  stats: { files: number; lines: number; millis: number };
}
