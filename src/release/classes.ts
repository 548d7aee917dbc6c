// Questions about one class of the model: its MRO (C3), whether it is Versioned, its version
// key, and its attribute facts aggregated over the MRO. Pure functions over a ReleaseModel.
import type { AttrUse, ClassInfo, MethodInfo, ReleaseModel, SourceLoc, StaticValue } from './model.js';
import { VERSIONED } from './resolve.js';
import { dict } from './dict.js';

export type MroResult = { ok: true; mro: string[] } | { ok: false; error: string };

const mroCache = new WeakMap<ReleaseModel, Map<string, MroResult>>();

/** The name an unresolved or external base goes by in an MRO. */
function baseEntry(b: ClassInfo['bases'][number]): string {
  return b.resolved ?? b.expr;
}

/**
 * The method resolution order by C3 (Python 3 and Python 2 new-style classes). Entries are class
 * keys of the model, or external qualified names (which are leaves: their own bases are unknown
 * unless --lib indexed them). Python 2 old-style classes use depth-first lookup instead; the two
 * differ only for diamonds, which old Buildbot classes do not have.
 */
export function mro(model: ReleaseModel, classKey: string): MroResult {
  let cache = mroCache.get(model);
  if (!cache) mroCache.set(model, (cache = new Map()));
  return linearize(model, classKey, cache, new Set());
}

function linearize(model: ReleaseModel, key: string, cache: Map<string, MroResult>, active: Set<string>): MroResult {
  const hit = cache.get(key);
  if (hit) return hit;
  const cls = model.classes[key];
  if (!cls) return { ok: true, mro: [key] };
  if (active.has(key)) return { ok: false, error: `inheritance cycle through ${key}` };
  active.add(key);
  const bases = cls.bases.map(baseEntry);
  const seqs: string[][] = [];
  for (const b of bases) {
    const l = linearize(model, b, cache, active);
    if (!l.ok) {
      active.delete(key);
      cache.set(key, l);
      return l;
    }
    seqs.push([...l.mro]);
  }
  seqs.push([...bases]);
  const out = [key];
  for (;;) {
    const live = seqs.filter((s) => s.length > 0);
    if (live.length === 0) break;
    const head = live.map((s) => s[0]!).find((h) => !live.some((s) => s.indexOf(h) > 0));
    if (head === undefined) {
      const r: MroResult = { ok: false, error: `cannot create a consistent method resolution order for ${key} (bases ${bases.join(', ')})` };
      active.delete(key);
      cache.set(key, r);
      return r;
    }
    out.push(head);
    for (const s of live) if (s[0] === head) s.shift();
  }
  active.delete(key);
  const r: MroResult = { ok: true, mro: out };
  cache.set(key, r);
  return r;
}

/** Derives from twisted.persisted.styles.Versioned (known even without --lib). */
export function isVersioned(model: ReleaseModel, classKey: string): boolean {
  const r = mro(model, classKey);
  return r.ok && r.mro.some((k) => k === VERSIONED);
}

/** `__module__` at run time: the module, unless a `Cls.__module__ = '…'` overrides it. */
export function runtimeModule(cls: ClassInfo): string {
  return cls.moduleOverride?.value ?? cls.module;
}

/** Twisted's key for a class's saved version: reflect.qual (`__module__` + `__name__`, not `__qualname__`). */
export function versionKey(model: ReleaseModel, classKey: string): string {
  const cls = model.classes[classKey];
  if (!cls) return `${classKey}.persistenceVersion`;
  return `${runtimeModule(cls)}.${cls.name}.persistenceVersion`;
}

/**
 * Classes whose upgrade chains Twisted runs for an instance of `classKey`, bases first: those in
 * the MRO that define persistenceVersion in their own body or derive directly from Versioned.
 */
export function upgradeChainClasses(model: ReleaseModel, classKey: string): string[] {
  const r = mro(model, classKey);
  if (!r.ok) return [];
  return [...r.mro].reverse().filter((k) => {
    const c = model.classes[k];
    return c !== undefined && (c.persistenceVersion !== undefined || c.bases.some((b) => b.resolved === VERSIONED));
  });
}

export interface AttrSite {
  classKey: string;
  method: string;
  use: AttrUse;
}

export interface AttrFacts {
  attr: string;
  sets: AttrSite[];
  reads: AttrSite[];
  guardedReads: AttrSite[];
  dels: AttrSite[];
  /** A class-level name (value or method) of that name somewhere in the MRO: reads never fail. */
  classLevel?: { classKey: string; loc: SourceLoc; value?: StaticValue };
  /** What __init__ (any class in the MRO) assigns. */
  initDefault?: { classKey: string; value: StaticValue; loc: SourceLoc };
}

export interface ClassFacts {
  classKey: string;
  mro: MroResult;
  attrs: Record<string, AttrFacts>;
  /** Some method in the MRO sets keys we cannot name (`__dict__.update`, computed setattr). */
  setsUnknownKeys: Array<{ classKey: string; method: string }>;
  /** Special methods in the MRO that hide attribute access from static analysis. */
  dynamicAccess: Array<{ classKey: string; method: '__getattr__' | '__getattribute__' | '__setstate__' }>;
}

/** Every class-level name in the MRO (closest class first). */
export function classLevelNames(model: ReleaseModel, classKey: string): Map<string, { classKey: string; loc: SourceLoc; value?: StaticValue }> {
  const out = new Map<string, { classKey: string; loc: SourceLoc; value?: StaticValue }>();
  const r = mro(model, classKey);
  for (const k of r.ok ? r.mro : [classKey]) {
    const c = model.classes[k];
    if (!c) continue;
    for (const [n, a] of Object.entries(c.classAttrs)) if (!out.has(n)) out.set(n, { classKey: k, loc: a.loc, value: a.value });
    for (const [n, m] of Object.entries(c.methods)) if (!out.has(n)) out.set(n, { classKey: k, loc: m.loc });
    for (const s of c.slots ?? []) out.delete(s); // a slot is a descriptor, but reading an unset one raises
  }
  return out;
}

/** The defaults `__init__` assigns, over the MRO (closest class wins). */
export function initDefaults(model: ReleaseModel, classKey: string): Record<string, { classKey: string; value: StaticValue; loc: SourceLoc }> {
  const out: Record<string, { classKey: string; value: StaticValue; loc: SourceLoc }> = dict();
  const r = mro(model, classKey);
  for (const k of r.ok ? r.mro : [classKey]) {
    const init = model.classes[k]?.methods.__init__;
    if (!init) continue;
    for (const m of methodsReachedFrom(model, k, init)) {
      for (const u of m.attrs) {
        if (u.kind !== 'set' || out[u.attr]) continue;
        const value = m.assigned[u.attr];
        if (value) out[u.attr] = { classKey: k, value, loc: u.loc };
      }
    }
  }
  return out;
}

/** A method and the methods of the same class it calls on self (transitively). */
function methodsReachedFrom(model: ReleaseModel, classKey: string, start: MethodInfo): MethodInfo[] {
  const cls = model.classes[classKey]!;
  const out: MethodInfo[] = [];
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const m = todo.shift()!;
    if (seen.has(m.name)) continue;
    seen.add(m.name);
    out.push(m);
    for (const c of m.selfCalls) {
      const callee = cls.methods[c.name];
      if (callee) todo.push(callee);
    }
  }
  return out;
}

/** Who sets, reads, guards and deletes each attribute, over the whole MRO. */
export function classFacts(model: ReleaseModel, classKey: string): ClassFacts {
  const r = mro(model, classKey);
  const keys = r.ok ? r.mro : [classKey];
  const attrs: Record<string, AttrFacts> = dict();
  const setsUnknownKeys: ClassFacts['setsUnknownKeys'] = [];
  const dynamicAccess: ClassFacts['dynamicAccess'] = [];
  const levels = classLevelNames(model, classKey);
  const inits = initDefaults(model, classKey);
  const get = (a: string): AttrFacts => (attrs[a] ??= { attr: a, sets: [], reads: [], guardedReads: [], dels: [] });
  for (const k of keys) {
    const c = model.classes[k];
    if (!c) continue;
    if (c.defines.getattr) dynamicAccess.push({ classKey: k, method: '__getattr__' });
    if (c.defines.getattribute) dynamicAccess.push({ classKey: k, method: '__getattribute__' });
    if (c.defines.setstate) dynamicAccess.push({ classKey: k, method: '__setstate__' });
    for (const m of Object.values(c.methods)) {
      if (m.setsUnknownKeys) setsUnknownKeys.push({ classKey: k, method: m.name });
      for (const u of m.attrs) {
        const f = get(u.attr);
        const site = { classKey: k, method: m.name, use: u };
        if (u.kind === 'set') f.sets.push(site);
        else if (u.kind === 'del') f.dels.push(site);
        else if (u.kind === 'read') f.reads.push(site);
        else f.guardedReads.push(site);
      }
    }
  }
  for (const f of Object.values(attrs)) {
    const lvl = levels.get(f.attr);
    if (lvl) f.classLevel = lvl;
    const d = inits[f.attr];
    if (d) f.initDefault = d;
  }
  const sorted: Record<string, AttrFacts> = dict();
  for (const a of Object.keys(attrs).sort()) sorted[a] = attrs[a]!;
  return { classKey, mro: r, attrs: sorted, setsUnknownKeys, dynamicAccess };
}

/** Find a class by key (`mod.Outer.Inner`), or by `module.Name` as pickle names it. */
export function findClass(model: ReleaseModel, name: string): ClassInfo | undefined {
  if (model.classes[name]) return model.classes[name];
  const matches = Object.values(model.classes).filter((c) => `${runtimeModule(c)}.${c.name}` === name);
  return matches.length === 1 ? matches[0] : undefined;
}
