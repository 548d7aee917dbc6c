// What the target's code expects of an instance's attributes once it is loaded: the unguarded
// reads that raise AttributeError when the attribute is missing, and every way the release can
// give the attribute back after loading (so the check does not cry wolf on real code bases).
import type { ClassInfo, ExternalSet, MethodInfo, SourceLoc, StaticValue } from '../../release/model.js';
import { lookupMethod, type ReleaseView } from './view.js';

/** Methods that never run on a loaded object before the upgrade finished (or at all). */
export function isLoadTimeMethod(name: string): boolean {
  return name === '__init__' || name === '__new__' || /^upgradeToVersion\d+$/.test(name);
}

export interface ReadSite {
  owner: string; // class key
  method: string;
  loc: SourceLoc;
}

/** Per attribute: where the class's (MRO) methods read it unguarded, not preceded by a set in the same method. */
export function unguardedReads(view: ReleaseView, classKey: string): Map<string, ReadSite[]> {
  const reads = new Map<string, ReadSite[]>();
  const seenMethods = new Set<string>();
  for (const k of view.mro(classKey)) {
    const info = view.classInfo(k);
    if (!info) continue;
    for (const method of Object.values(info.methods)) {
      // The method Python calls is the first in the MRO: an overridden one never runs.
      if (seenMethods.has(method.name)) continue;
      seenMethods.add(method.name);
      if (isLoadTimeMethod(method.name)) continue;
      for (const site of readsBeforeSets(method)) {
        const list = reads.get(site.attr) ?? [];
        list.push({ owner: info.key, method: method.name, loc: site.loc });
        reads.set(site.attr, list);
      }
    }
  }
  for (const list of reads.values()) list.sort((a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.line - b.loc.line);
  return reads;
}

/** Unguarded reads in a method of attributes it has not set on an earlier line. */
function readsBeforeSets(method: MethodInfo): Array<{ attr: string; loc: SourceLoc }> {
  const firstSet = new Map<string, number>();
  for (const use of method.attrs) {
    if (use.kind === 'set' && !use.augmented) {
      const line = firstSet.get(use.attr);
      if (line === undefined || use.loc.line < line) firstSet.set(use.attr, use.loc.line);
    }
  }
  const out: Array<{ attr: string; loc: SourceLoc }> = [];
  for (const use of method.attrs) {
    const reads = use.kind === 'read' || (use.kind === 'set' && use.augmented === true);
    if (!reads) continue;
    const setLine = firstSet.get(use.attr);
    if (setLine !== undefined && setLine < use.loc.line) continue;
    out.push({ attr: use.attr, loc: use.loc });
  }
  return out;
}

/** Where `__init__` (through the MRO) sets the attribute, and to what. */
export function initDefault(view: ReleaseView, classKey: string, attr: string): { loc: SourceLoc; value?: StaticValue; owner: string } | undefined {
  const init = lookupMethod(view, classKey, '__init__');
  if (!init) return undefined;
  const use = init.method.attrs.find((u) => u.attr === attr && u.kind === 'set');
  if (!use) return undefined;
  return { loc: use.loc, value: init.method.assigned[attr], owner: init.owner.key };
}

/** How the release gives a missing attribute back after loading, if it does. */
export type Refill =
  | { how: 'external'; set: ExternalSet } // obj.attr = … elsewhere
  | { how: 'via-method'; set: ExternalSet; method: string; owner: string } // obj.setX(…) elsewhere, setX sets self.attr
  | { how: 'setstate'; owner: string; loc: SourceLoc } // a custom __setstate__ fills it
  | { how: 'runtime'; owner: string; method: string; loc: SourceLoc }; // another method sets it at run time

export interface RefillIndex {
  byAttr: Map<string, ExternalSet[]>;
  byMethod: Map<string, ExternalSet[]>;
}

export function indexExternalSets(sets: readonly ExternalSet[]): RefillIndex {
  const byAttr = new Map<string, ExternalSet[]>();
  const byMethod = new Map<string, ExternalSet[]>();
  for (const s of sets) {
    const map = s.viaMethod ? byMethod : byAttr;
    const k = s.viaMethod ?? s.attr;
    const list = map.get(k) ?? [];
    list.push(s);
    map.set(k, list);
  }
  return { byAttr, byMethod };
}

/**
 * How well an assignment's receiver fits the class: 3 its type is known to be the class (or a
 * base), 2 its type is unknown but its name looks like the class (`master` for TinyMaster,
 * `builder` for BuilderStatus), 1 unknown and unrelated (it may still be ours), 0 known to be
 * another class.
 */
function receiverFit(view: ReleaseView, set: ExternalSet, classKey: string): number {
  if (set.classKey) return set.classKey === classKey || view.mro(classKey).includes(set.classKey) ? 3 : 0;
  const name = (set.receiver.split('.').pop() ?? '').toLowerCase().replace(/_/g, '');
  const cls = (classKey.split('.').pop() ?? '').toLowerCase();
  if (name.length >= 3 && (cls.includes(name) || name.includes(cls.replace(/status$/, '')))) return 2;
  return 1;
}

/** The best-fitting set for the class among `sets` (ties: the first in source order). */
function bestFit(view: ReleaseView, sets: readonly ExternalSet[], classKey: string): ExternalSet | undefined {
  let best: ExternalSet | undefined;
  let bestScore = 0;
  for (const s of sets) {
    const score = receiverFit(view, s, classKey);
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** The first way (in order of certainty) the release refills `attr` on a loaded `classKey`. */
export function findRefill(view: ReleaseView, classKey: string, attr: string, index: RefillIndex): Refill | undefined {
  const external = bestFit(view, index.byAttr.get(attr) ?? [], classKey);
  if (external) return { how: 'external', set: external };
  let setstate: Refill | undefined;
  let runtime: Refill | undefined;
  let viaMethod: Refill | undefined;
  for (const k of view.mro(classKey)) {
    const info: ClassInfo | undefined = view.classInfo(k);
    if (!info) continue;
    for (const method of Object.values(info.methods)) {
      if (method.name === '__init__' || /^upgradeToVersion\d+$/.test(method.name)) continue;
      const use = method.attrs.find((u) => u.attr === attr && u.kind === 'set');
      if (!use) continue;
      if (method.name === '__setstate__') {
        setstate ??= { how: 'setstate', owner: info.key, loc: use.loc };
        continue;
      }
      const caller = bestFit(view, index.byMethod.get(method.name) ?? [], classKey);
      if (caller) viaMethod ??= { how: 'via-method', set: caller, method: method.name, owner: info.key };
      else runtime ??= { how: 'runtime', owner: info.key, method: method.name, loc: use.loc };
    }
  }
  return setstate ?? viaMethod ?? runtime;
}

/** Things in a class that make its attributes invisible to static analysis. */
export function opacity(view: ReleaseView, classKey: string): string | undefined {
  for (const k of view.mro(classKey)) {
    const info = view.classInfo(k);
    if (!info) continue;
    if (info.defines.getattr) return `${info.name} defines __getattr__`;
    if (info.defines.getattribute) return `${info.name} defines __getattribute__`;
    const setstate = info.methods.__setstate__;
    if (setstate?.setsUnknownKeys) return `${info.name}.__setstate__ sets attributes that cannot be named statically`;
  }
  return undefined;
}

/** A Python literal usable as a default in a suggested upgrade method, or undefined. */
export function usableDefault(value: StaticValue | undefined): string | undefined {
  if (!value || value.kind === 'expr') return undefined;
  return value.python;
}
