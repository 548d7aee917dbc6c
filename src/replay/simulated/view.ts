// What the simulated replay asks of a release: a narrow view over the release model, so the
// replay's rules read as Twisted's and pickle's rules, not as model plumbing.
import type { ClassInfo, MethodInfo, ReleaseModel, Resolution } from '../../release/model.js';

export const VERSIONED = 'twisted.persisted.styles.Versioned';

export interface ReleaseView {
  readonly model: ReleaseModel;
  /** What `GLOBAL module name` finds in this release (pickle's rules). */
  resolve(module: string, name: string): Resolution;
  /** C3 linearisation: class keys of the release, or qualified names of external classes. */
  mro(classKey: string): string[];
  /** The key Twisted's Versioned writes for a class: `<__module__>.<__name__>.persistenceVersion`. */
  versionKey(classKey: string): string;
  classInfo(key: string): ClassInfo | undefined;
}

/** A class of the release as the Versioned upgrade sees it. */
export interface VersionedBase {
  key: string;
  info: ClassInfo;
  /** `base.persistenceVersion` as Python looks it up (own body, else inherited, else 0). */
  current: number;
  versionKey: string;
}

/** Is `key` (a release class or external name) a subclass of Versioned, per the MRO? */
export function derivesFromVersioned(view: ReleaseView, key: string): boolean {
  if (key === VERSIONED) return true;
  return view.mro(key).includes(VERSIONED);
}

/** Does the class name Versioned among its *direct* bases (Twisted's `Versioned in base.__bases__`)? */
function directlyVersioned(view: ReleaseView, info: ClassInfo): boolean {
  return info.bases.some((b) => b.resolved === VERSIONED);
}

/** `cls.attr` lookup through the MRO for an int class attribute such as persistenceVersion. */
function inheritedVersion(view: ReleaseView, key: string): number {
  for (const k of view.mro(key)) {
    const info = view.classInfo(k);
    if (info?.persistenceVersion !== undefined) return info.persistenceVersion;
  }
  return 0;
}

/**
 * The classes whose upgrade chains Twisted's `versionUpgrade` walks for an instance of `key`,
 * bases first: Versioned subclasses in the MRO (Versioned itself excluded), reversed, that
 * define `persistenceVersion` in their own body or derive from Versioned directly.
 */
export function upgradeChain(view: ReleaseView, key: string): VersionedBase[] {
  const chain: VersionedBase[] = [];
  const mro = view.mro(key).filter((k) => k !== VERSIONED && derivesFromVersioned(view, k));
  for (const k of mro.reverse()) {
    const info = view.classInfo(k);
    if (!info) continue; // an external Versioned subclass: its body is not known (said elsewhere)
    if (info.persistenceVersion === undefined && !directlyVersioned(view, info)) continue;
    chain.push({ key: k, info, current: inheritedVersion(view, k), versionKey: view.versionKey(k) });
  }
  return chain;
}

/** Find a method by name through the MRO of `key` (the one Python would call). */
export function lookupMethod(view: ReleaseView, key: string, name: string): { owner: ClassInfo; method: MethodInfo } | undefined {
  for (const k of view.mro(key)) {
    const info = view.classInfo(k);
    const method = info?.methods[name];
    if (info && method) return { owner: info, method };
  }
  return undefined;
}

const classLevelCache = new WeakMap<ReleaseView, Map<string, ReadonlySet<string>>>();

/**
 * Class-level names (defaults and methods) visible on instances of `key`, through the MRO.
 * Asked once per group of like objects: computed once per class.
 */
export function classLevelNames(view: ReleaseView, key: string): ReadonlySet<string> {
  let cache = classLevelCache.get(view);
  if (!cache) classLevelCache.set(view, (cache = new Map()));
  let names = cache.get(key);
  if (!names) cache.set(key, (names = collectClassLevelNames(view, key)));
  return names;
}

function collectClassLevelNames(view: ReleaseView, key: string): Set<string> {
  const names = new Set<string>();
  for (const k of view.mro(key)) {
    const info = view.classInfo(k);
    if (!info) continue;
    for (const n of Object.keys(info.classAttrs)) names.add(n);
    for (const n of Object.keys(info.methods)) names.add(n);
    // Not __slots__ names: reading a slot that was never set raises AttributeError.
  }
  // Versioned's own class attributes.
  if (derivesFromVersioned(view, key)) {
    names.add('persistenceVersion');
    names.add('persistenceForgets');
  }
  return names;
}

/** External classes in the MRO whose bodies are unknown (other than object and Versioned). */
export function opaqueBases(view: ReleaseView, key: string): string[] {
  return view
    .mro(key)
    .filter((k) => !view.classInfo(k) && !TRANSPARENT_EXTERNALS.has(k));
}

/** External bases whose instances carry no attributes a subclass could rely on. */
const TRANSPARENT_EXTERNALS = new Set([
  'builtins.object',
  '__builtin__.object',
  'object',
  VERSIONED,
  'twisted.persisted.styles.Ephemeral',
  'zope.interface.Interface',
]);
