// Twisted's `styles.Versioned.versionUpgrade`, simulated on an object's saved attribute names.
//
// Semantics (checked against twisted/persisted/styles.py, Twisted 22.4):
// - bases = Versioned subclasses in the MRO minus Versioned, reversed (bases first), then the
//   class itself; a base takes part if it defines `persistenceVersion` in its own body or has
//   Versioned among its direct `__bases__`.
// - A bare legacy `persistenceVersion` key is moved to the base with the highest version (> 0).
// - Per base: saved = state.get('<module>.<Name>.persistenceVersion') or 0; the key is deleted
//   *before* the assertion `saved <= current` ("Sorry, can't go backwards in time."); then
//   `upgradeToVersion{saved+1..current}` from the base's own body, in order; a missing one is
//   skipped with "Warning: cannot upgrade <base> to version N".
// - An exception stops the object's upgrade where it is: keys of the bases already walked are
//   gone, so a later save stamps the object current and the failed steps never run again.
import type { AttrUse, MethodInfo, SourceLoc } from '../../release/model.js';
import { classLevelNames, lookupMethod, upgradeChain, type ReleaseView, type VersionedBase } from './view.js';

export const LEGACY_VERSION_KEY = 'persistenceVersion';
export const VERSION_KEY_SUFFIX = '.persistenceVersion';

/** A predicted exception inside code that runs during the upgrade. */
export interface PredictedFailure {
  base: string;
  version: number;
  method: string;
  /** `read`: AttributeError reading self.<attr>; `del`: deleting a missing attribute; `arity`: TypeError. */
  kind: 'read' | 'del' | 'arity' | 'no-method';
  attr?: string;
  loc: SourceLoc;
  /** What was called, for arity failures: `Class.method() takes N positional arguments but M were given`. */
  detail?: string;
  /** For arity failures: where the callee is defined. */
  calleeLoc?: SourceLoc;
  /** The chain of self-calls from the upgrade method to the failing line. */
  via: string[];
}

export interface UpgradeOutcome {
  /** Attribute names the object has after the upgrade (version keys consumed are gone). */
  attrs: Set<string>;
  ran: Array<{ base: string; version: number; method: string }>;
  gaps: Array<{ base: string; version: number }>;
  downgrade?: { base: string; saved: number; current: number; key: string };
  failure?: PredictedFailure;
  /** Steps that never ran because of the downgrade or the failure. */
  notRun: Array<{ base: string; version: number }>;
  /** Version keys consumed (deleted) before the chain stopped. */
  consumed: string[];
  /** Saved version keys that no base of the target reads: left behind as plain attributes. */
  orphans: Array<{ key: string; value: number }>;
  /** The base a bare legacy `persistenceVersion` key was given to. */
  legacyTo?: string;
  /** Per base: the version the chain started from (0 when its key was absent). */
  startedFrom: Record<string, number>;
}

/**
 * Simulate `versionUpgrade()` for an instance of `classKey` whose saved state has `attrs`
 * (attribute names, version keys excluded) and `versions` (version keys → saved int).
 */
export function simulateUpgrade(
  view: ReleaseView,
  classKey: string,
  attrs: ReadonlySet<string>,
  versions: ReadonlyMap<string, number>,
): UpgradeOutcome {
  const state = new Set(attrs);
  const keys = new Map(versions);
  const chain = upgradeChain(view, classKey);
  const out: UpgradeOutcome = { attrs: state, ran: [], gaps: [], notRun: [], consumed: [], orphans: [], startedFrom: {} };

  const legacy = keys.get(LEGACY_VERSION_KEY);
  if (legacy !== undefined) {
    keys.delete(LEGACY_VERSION_KEY);
    let highest: VersionedBase | undefined;
    for (const base of chain) {
      if (base.info.persistenceVersion !== undefined && base.current > (highest?.current ?? 0)) highest = base;
    }
    if (highest) {
      keys.set(highest.versionKey, legacy);
      out.legacyTo = highest.key;
    }
  }

  const classNames = classLevelNames(view, classKey);
  let stopped = false;
  for (const base of chain) {
    if (stopped) {
      const from = keys.get(base.versionKey) ?? 0;
      for (let v = from + 1; v <= base.current; v++) out.notRun.push({ base: base.key, version: v });
      continue;
    }
    const saved = keys.get(base.versionKey) ?? 0;
    out.startedFrom[base.key] = saved;
    if (keys.has(base.versionKey)) {
      keys.delete(base.versionKey);
      out.consumed.push(base.versionKey);
    }
    if (saved > base.current) {
      out.downgrade = { base: base.key, saved, current: base.current, key: base.versionKey };
      stopped = true;
      continue;
    }
    for (let v = saved + 1; v <= base.current; v++) {
      if (stopped) {
        out.notRun.push({ base: base.key, version: v });
        continue;
      }
      const methodName = base.info.upgradeMethods[v];
      const method = methodName ? base.info.methods[methodName] : undefined;
      if (!method) {
        out.gaps.push({ base: base.key, version: v });
        continue;
      }
      out.ran.push({ base: base.key, version: v, method: method.name });
      const failure = runMethod(view, classKey, method, state, classNames, [`${base.info.name}.${method.name}`]);
      if (failure) {
        out.failure = { base: base.key, version: v, method: method.name, ...failure };
        stopped = true;
      }
    }
  }
  for (const [key, value] of keys) {
    if (key.endsWith(VERSION_KEY_SUFFIX)) out.orphans.push({ key, value });
  }
  return out;
}

type Failure = Omit<PredictedFailure, 'base' | 'version' | 'method'>;

/** One thing a method does, in source order. */
type Step =
  | { kind: 'use'; use: AttrUse }
  | { kind: 'call'; name: string; positional: number; hasStarArgs: boolean; loc: SourceLoc }
  | { kind: 'attr-call'; attr: string; classRef: string; method: string; positional: number; hasStarArgs: boolean; loc: SourceLoc };

const stepCache = new WeakMap<MethodInfo, Step[]>();

/** The method's attribute uses and calls in execution order (by line; reads before sets on a line). */
export function methodSteps(method: MethodInfo): Step[] {
  const cached = stepCache.get(method);
  if (cached) return cached;
  const steps: Step[] = [
    ...method.attrs.map((use): Step => ({ kind: 'use', use })),
    ...method.selfCalls.map((c): Step => ({ kind: 'call', ...c })),
    ...method.attrCalls.map((c): Step => ({ kind: 'attr-call', ...c })),
  ];
  const rank = (s: Step): number =>
    s.kind === 'use' ? (s.use.kind === 'set' && !s.use.augmented ? 3 : s.use.kind === 'del' ? 2 : 0) : 1;
  steps.sort((a, b) => lineOf(a) - lineOf(b) || rank(a) - rank(b));
  stepCache.set(method, steps);
  return steps;
}

function lineOf(s: Step): number {
  return s.kind === 'use' ? s.use.loc.line : s.loc.line;
}

/** Why a call with `given` positional arguments would raise TypeError, or undefined. */
export function arityProblem(callee: MethodInfo, given: number): string | undefined {
  if (callee.isStatic || callee.isClassMethod) return undefined;
  const max = callee.params.length;
  const min = max - callee.defaults;
  if (given < min) return `${callee.name}() missing ${min - given} required positional argument${min - given === 1 ? '' : 's'}`;
  if (!callee.varargs && given > max) {
    return `${callee.name}() takes ${max + 1} positional argument${max === 0 ? '' : 's'} but ${given + 1} were given`;
  }
  return undefined;
}

/**
 * Run a method abstractly on the attribute set `state` (mutated: sets added, deletes removed).
 * Returns the first predicted exception. Self-calls are followed (depth-limited, no recursion
 * into a method already on the path).
 */
function runMethod(
  view: ReleaseView,
  classKey: string,
  method: MethodInfo,
  state: Set<string>,
  classNames: ReadonlySet<string>,
  via: string[],
): Failure | undefined {
  for (const step of methodSteps(method)) {
    if (step.kind === 'use') {
      const { use } = step;
      const reads = use.kind === 'read' || (use.kind === 'set' && use.augmented === true);
      if (reads && !state.has(use.attr) && !classNames.has(use.attr)) {
        return { kind: 'read', attr: use.attr, loc: use.loc, via };
      }
      if (use.kind === 'del') {
        if (!state.has(use.attr)) return { kind: 'del', attr: use.attr, loc: use.loc, via };
        state.delete(use.attr);
      }
      if (use.kind === 'set') state.add(use.attr);
      continue;
    }
    if (step.kind === 'call') {
      const found = lookupMethod(view, classKey, step.name);
      if (!found) {
        if (!state.has(step.name) && !classNames.has(step.name)) {
          return { kind: 'no-method', attr: step.name, loc: step.loc, via, detail: `no method ${step.name}() on the class` };
        }
        continue;
      }
      const problem = step.hasStarArgs ? undefined : arityProblem(found.method, step.positional);
      if (problem) return { kind: 'arity', loc: step.loc, via, detail: `${found.owner.name}.${problem}`, calleeLoc: found.method.loc };
      const label = `${found.owner.name}.${found.method.name}`;
      if (via.length < 6 && !via.includes(label)) {
        const failure = runMethod(view, classKey, found.method, state, classNames, [...via, label]);
        if (failure) return failure;
      }
      continue;
    }
    // self.x = Foo(...); self.x.bar(...): the callee is statically known.
    const callee = lookupMethod(view, step.classRef, step.method);
    if (callee && !step.hasStarArgs) {
      const problem = arityProblem(callee.method, step.positional);
      if (problem) return { kind: 'arity', loc: step.loc, via, detail: `${callee.owner.name}.${problem}`, calleeLoc: callee.method.loc };
    }
  }
  return undefined;
}
