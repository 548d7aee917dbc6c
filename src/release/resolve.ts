// Name resolution exactly as pickle sees it: `getattr(import_module(module), name)` in the
// target release. Pure functions over a ReleaseModel; never a guess: what cannot be known
// statically is 'dynamic', what lies outside the release (and --lib) is 'unknown'.
import type { Binding, ModuleInfo, ReleaseModel, Resolution, SourceLoc } from './model.js';
import { STDLIB_NAMES } from './stdlib-table.js';

/** Names outside the release that rehearse knows without --lib (Twisted's persistence API). */
export const KNOWN_EXTERNAL: ReadonlySet<string> = new Set([
  'twisted.persisted.styles.Versioned',
  'twisted.persisted.styles.Ephemeral',
  'twisted.persisted.styles.doUpgrade',
  'twisted.persisted.styles.requireUpgrade',
]);
export const VERSIONED = 'twisted.persisted.styles.Versioned';

/** What a name or dotted expression denotes (internal; converted to a Resolution at the API). */
export type Target =
  | { t: 'class'; key: string }
  | { t: 'module'; name: string }
  | { t: 'other'; what: string }
  | { t: 'external'; qualified: string; known: boolean; reason: string }
  | { t: 'missing-module'; module: string }
  | { t: 'missing-class'; module: string; name: string }
  | { t: 'dynamic'; reason: string; loc?: SourceLoc };

interface Walk {
  via: string[];
  seen: Set<string>;
}

interface LateBinding {
  from: string;
  value: string;
  loc: SourceLoc;
}

interface Index {
  /** target module → name → late binding (`othermodule.Name = X` executed at import time). */
  late: Map<string, Map<string, LateBinding>>;
  /** Module-level `sys.modules['name'] = …`: modules made at run time, by name. */
  sysModules: Map<string, SourceLoc>;
  /** A `sys.modules[<computed>] = …` somewhere: any missing module may be made at run time. */
  sysModulesComputed?: SourceLoc;
  /** Top-level package names present in the release or --lib. */
  tops: Set<string>;
}

const indexes = new WeakMap<ReleaseModel, Index>();

const BUILTIN_MODULES = ['builtins', '__builtin__', 'exceptions'];

function isBuiltinName(name: string): boolean {
  return BUILTIN_MODULES.some((m) => STDLIB_NAMES[m]?.includes(name));
}

function index(model: ReleaseModel): Index {
  let ix = indexes.get(model);
  if (ix) return ix;
  ix = { late: new Map(), tops: new Set(), sysModules: new Map() };
  indexes.set(model, ix);
  for (const m of Object.values(model.modules)) {
    ix.tops.add(m.name.split('.')[0]!);
    for (const d of m.dynamic ?? []) {
      const named = /^sys\.modules\['([^']*)'\]/.exec(d.reason);
      if (named) {
        if (!ix.sysModules.has(named[1]!)) ix.sysModules.set(named[1]!, d.loc);
      } else if (d.reason.startsWith('sys.modules')) ix.sysModulesComputed ??= d.loc;
    }
  }
  // Late bindings: resolve each receiver in its own module's scope (needs the index's tops only).
  for (const m of Object.values(model.modules)) {
    for (const b of m.attrBindings ?? []) {
      const recv = resolveExprTarget(model, m.name, b.receiver, { via: [], seen: new Set() });
      if (recv.t !== 'module' || !model.modules[recv.name]) continue;
      let names = ix.late.get(recv.name);
      if (!names) ix.late.set(recv.name, (names = new Map()));
      if (!names.has(b.attr)) names.set(b.attr, { from: m.name, value: b.value, loc: b.loc });
    }
  }
  return ix;
}

function where(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}`;
}

/** Look up `name` in module `module` as `getattr(module, name)` would, after importing it. */
export function lookup(model: ReleaseModel, module: string, name: string, w: Walk): Target {
  const key = `${module}:${name}`;
  if (w.seen.has(key)) return { t: 'dynamic', reason: `import cycle through ${key}` };
  w.seen.add(key);
  try {
    return lookupInner(model, module, name, w);
  } finally {
    w.seen.delete(key);
  }
}

function outside(model: ReleaseModel, module: string, name: string): Target {
  const qualified = `${module}.${name}`;
  if (KNOWN_EXTERNAL.has(qualified)) return { t: 'external', qualified, known: true, reason: 'known Twisted API' };
  const ix = index(model);
  const top = module.split('.')[0]!;
  if (ix.tops.has(top)) {
    const made = ix.sysModules.get(module) ?? ix.sysModulesComputed;
    if (made) return { t: 'dynamic', reason: `module made at run time: sys.modules is assigned at ${where(made)}`, loc: made };
    return { t: 'missing-module', module };
  }
  const table = STDLIB_NAMES[module];
  if (table) {
    if (table.includes(name)) return { t: 'external', qualified, known: true, reason: 'stdlib table' };
    return { t: 'external', qualified, known: false, reason: `${module} is stdlib, but ${name} is not in rehearse's table of its names: not checked` };
  }
  if (STDLIB_NAMES[top]) return { t: 'external', qualified, known: false, reason: `stdlib module ${module} is not in rehearse's table: not checked` };
  return { t: 'external', qualified, known: false, reason: `${top} is not in the release: not checked (pass --lib DIR to check it)` };
}

const importChecks = new WeakMap<ReleaseModel, Map<string, Target | null>>();

/**
 * Does importing `module` fail in the release? pickle imports the module first, so a module whose
 * unconditional imports (or whose parent packages' imports) name what does not exist breaks every
 * class in it. Only plain module-level imports count: those in try/except ImportError, `if`
 * branches and loops may not run. Import cycles count as importable.
 */
export function importFailure(model: ReleaseModel, module: string): Target | undefined {
  let memo = importChecks.get(model);
  if (!memo) importChecks.set(model, (memo = new Map()));
  if (memo.has(module)) return memo.get(module) ?? undefined;
  memo.set(module, null); // in progress: a cycle imports fine
  const result = importFailureInner(model, module);
  memo.set(module, result ?? null);
  return result;
}

function importFailureInner(model: ReleaseModel, module: string): Target | undefined {
  const parts = module.split('.');
  for (let i = 1; i < parts.length; i++) {
    const parent = parts.slice(0, i).join('.');
    if (model.modules[parent]) {
      const f = importFailure(model, parent);
      if (f) return f;
    }
  }
  const mod = model.modules[module];
  if (!mod) return undefined;
  for (const bindings of Object.values(mod.names)) {
    for (const b of bindings) {
      if ((b.kind !== 'import-from' && b.kind !== 'import-module') || b.optional || b.fallback || b.conditional) continue;
      const target = b.module;
      if (!model.modules[target]) {
        const r = outside(model, target, b.kind === 'import-from' ? b.name : '');
        if (r.t === 'missing-module') return r;
        continue;
      }
      const dep = importFailure(model, target);
      if (dep) return dep;
      if (b.kind === 'import-from' && !model.modules[`${b.module}.${b.name}`]) {
        const r = lookup(model, b.module, b.name, { via: [], seen: new Set() });
        if (r.t === 'missing-class' || r.t === 'missing-module') return r;
      }
    }
  }
  for (const star of mod.starImports) {
    if (model.modules[star]) {
      const dep = importFailure(model, star);
      if (dep) return dep;
    } else {
      const r = outside(model, star, '');
      if (r.t === 'missing-module') return r;
    }
  }
  return undefined;
}

function lookupInner(model: ReleaseModel, module: string, name: string, w: Walk): Target {
  const mod = model.modules[module];
  if (!mod) return outside(model, module, name);
  const broken = importFailure(model, module);
  if (broken) {
    w.via.push(`importing ${module} fails`);
    return broken;
  }
  const b = effectiveBinding(model, mod, name, w);
  if (b) {
    w.via.push(`${mod.file}:${b.loc.line} ${b.loc.text}`);
    return followBinding(model, mod, b, w);
  }
  // Star imports: the last one that provides the name wins (as later bindings do).
  for (const star of [...mod.starImports].reverse()) {
    const src = model.modules[star];
    if (!src) {
      const r = outside(model, star, name);
      if (r.t === 'external' && r.known) {
        w.via.push(`${mod.file}: from ${star} import *`);
        return r;
      }
      continue;
    }
    if (src.all ? !src.all.includes(name) : name.startsWith('_')) continue;
    const probe: Walk = { via: [...w.via, `${mod.file}: from ${star} import *`], seen: w.seen };
    const r = lookup(model, star, name, probe);
    if (r.t !== 'missing-class') {
      w.via.splice(0, w.via.length, ...probe.via);
      return r;
    }
  }
  const late = index(model).late.get(module)?.get(name);
  if (late) {
    w.via.push(`${where(late.loc)} ${late.loc.text} (bound from ${late.from})`);
    return resolveExprTarget(model, late.from, late.value, w);
  }
  if (model.modules[`${module}.${name}`]) return { t: 'module', name: `${module}.${name}` };
  if (mod.names.__getattr__) return { t: 'dynamic', reason: `${module} defines a module-level __getattr__` };
  const dyn = mod.dynamic?.find((d) => !d.reason.startsWith('sys.modules'));
  if (dyn) return { t: 'dynamic', reason: `${dyn.reason} at ${where(dyn.loc)}`, loc: dyn.loc };
  // Star imports from modules outside the release may bring the name: not statically known.
  const ext = mod.starImports.find((s) => !model.modules[s]);
  if (ext) return { t: 'external', qualified: `${ext}.${name}`, known: false, reason: `may come from \`from ${ext} import *\` (not checked)` };
  return { t: 'missing-class', module, name };
}

/**
 * The binding in effect: the last one, except that a fallback (bound in `except ImportError:`)
 * only applies when the binding before it (the `try` branch) does not resolve.
 */
function effectiveBinding(model: ReleaseModel, mod: ModuleInfo, name: string, w: Walk): Binding | undefined {
  const all = mod.names[name];
  if (!all || all.length === 0) return undefined;
  let current: Binding | undefined;
  for (const b of all) {
    if (b.fallback && current) {
      const probe: Walk = { via: [], seen: w.seen };
      const r = followBinding(model, mod, current, probe);
      if (r.t !== 'missing-class' && r.t !== 'missing-module') continue;
    }
    current = b;
  }
  return current;
}

function followBinding(model: ReleaseModel, mod: ModuleInfo, b: Binding, w: Walk): Target {
  switch (b.kind) {
    case 'class':
      return { t: 'class', key: b.classKey };
    case 'import-module':
      return model.modules[b.module] || !index(model).tops.has(b.module.split('.')[0]!)
        ? { t: 'module', name: b.module }
        : { t: 'missing-module', module: b.module };
    case 'import-from': {
      // `from pkg import sub` imports the submodule pkg.sub (and binds it) when it exists.
      if (model.modules[`${b.module}.${b.name}`]) return { t: 'module', name: `${b.module}.${b.name}` };
      return lookup(model, b.module, b.name, w);
    }
    case 'alias':
      return resolveExprTarget(model, mod.name, b.target, w);
    case 'function':
      return { t: 'other', what: 'function' };
    case 'value':
      return { t: 'other', what: 'value' };
    case 'dynamic':
      return { t: 'dynamic', reason: b.reason, loc: b.loc };
  }
}

/** A dotted expression (`Name`, `mod.Name`, `pkg.mod.Outer.Inner`) in `module`'s global scope. */
export function resolveExprTarget(model: ReleaseModel, module: string, dotted: string, w: Walk): Target {
  const parts = dotted.split('.');
  let cur = lookup(model, module, parts[0]!, w);
  if (cur.t === 'missing-class' && cur.module === module && isBuiltinName(parts[0]!)) {
    cur = { t: 'external', qualified: `builtins.${parts[0]}`, known: true, reason: 'builtin' };
  }
  for (const part of parts.slice(1)) cur = member(model, cur, part, w);
  return cur;
}

/** `getattr(target, part)`. */
export function member(model: ReleaseModel, cur: Target, part: string, w: Walk): Target {
  switch (cur.t) {
    case 'module':
      return lookup(model, cur.name, part, w);
    case 'class': {
      const nested = `${cur.key}.${part}`;
      if (model.classes[nested]) return { t: 'class', key: nested };
      const cls = model.classes[cur.key];
      if (cls && (cls.classAttrs[part] || cls.methods[part])) return { t: 'other', what: `class attribute ${cur.key}.${part}` };
      return { t: 'dynamic', reason: `attribute ${part} of class ${cur.key} (maybe inherited): not followed` };
    }
    case 'external':
      return { ...cur, qualified: `${cur.qualified}.${part}`, known: cur.known && KNOWN_EXTERNAL.has(`${cur.qualified}.${part}`) };
    default:
      return cur;
  }
}

function toResolution(r: Target, via: string[]): Resolution {
  switch (r.t) {
    case 'class':
      return { status: 'found', classKey: r.key, via };
    case 'module':
      return { status: 'found-non-class', what: `module ${r.name}`, via };
    case 'other':
      return { status: 'found-non-class', what: r.what, via };
    case 'external':
      return r.known
        ? { status: 'external', qualified: r.qualified, known: true }
        : { status: 'unknown', module: r.qualified.split('.').slice(0, -1).join('.'), reason: r.reason };
    case 'missing-module':
      return { status: 'missing-module', module: r.module };
    case 'missing-class':
      return { status: 'missing-class', module: r.module, name: r.name };
    case 'dynamic':
      return r.loc ? { status: 'dynamic', reason: r.reason, loc: r.loc } : { status: 'dynamic', reason: r.reason };
  }
}

/**
 * Would `pickle` find `module.name` in this release? Renames (`--rename`, find_class) apply first,
 * as the unpickler's find_class would. `name` may be a dotted qualname (protocol 4).
 */
export function resolveGlobal(model: ReleaseModel, module: string, name: string): Resolution {
  const rename = model.renames?.[`${module} ${name}`];
  if (rename) {
    const [toModule, toName] = rename.to.split(' ') as [string, string];
    return { status: 'renamed', to: { module: toModule, name: toName }, source: rename.source, then: resolvePlain(model, toModule, toName) };
  }
  return resolvePlain(model, module, name);
}

function resolvePlain(model: ReleaseModel, module: string, name: string): Resolution {
  const w: Walk = { via: [], seen: new Set() };
  const parts = name.split('.');
  let cur = lookup(model, module, parts[0]!, w);
  for (const part of parts.slice(1)) cur = member(model, cur, part, w);
  return toResolution(cur, w.via);
}

/** A dotted expression in a module's scope → class key, or external qualified name. */
export function resolveClassExpr(model: ReleaseModel, module: string, expr: string): { key: string } | { external: string } | undefined {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*$/.test(expr)) return undefined;
  const r = resolveExprTarget(model, module, expr, { via: [], seen: new Set() });
  if (r.t === 'class') return { key: r.key };
  if (r.t === 'external') return { external: r.qualified };
  return undefined;
}
