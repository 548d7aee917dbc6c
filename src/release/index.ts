// The release model's public face: load a release, resolve names as pickle would, ask about classes.
export { loadRelease, type LoadOptions } from './load.js';
export { resolveGlobal, resolveClassExpr, VERSIONED, KNOWN_EXTERNAL } from './resolve.js';
export {
  mro,
  isVersioned,
  versionKey,
  runtimeModule,
  upgradeChainClasses,
  classFacts,
  classLevelNames,
  initDefaults,
  findClass,
  type MroResult,
  type AttrFacts,
  type AttrSite,
  type ClassFacts,
} from './classes.js';
export { parseRenames } from './renames.js';
export type * from './model.js';
