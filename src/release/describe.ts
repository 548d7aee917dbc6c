// What `rehearse release` shows, as plain data (for --json) and as text. Pure functions: the
// command prints what these return.
import type { ClassInfo, ReleaseModel, Resolution, SourceLoc } from './model.js';
import { classFacts, isVersioned, mro, runtimeModule, upgradeChainClasses, versionKey, type ClassFacts, type AttrSite } from './classes.js';

export interface ClassSummary {
  key: string;
  /** `module.Name` as a pickle names it (`__module__` override applied). */
  pickleName: string;
  defined: string;
  mro: string[] | { error: string };
  versioned: boolean;
  persistenceVersion?: number;
  versionKey?: string;
  upgradeMethods?: number[];
  /** Steps 1..persistenceVersion without an upgradeToVersionN in the class body. */
  upgradeGaps?: number[];
  moduleOverride?: string;
}

export interface ReleaseSummaryView {
  source: string;
  contentHash: string;
  python?: 2 | 3;
  files: number;
  lines: number;
  millis: number;
  libs: string[];
  modules: number;
  classes: ClassSummary[];
  parseErrors: SourceLoc[];
  findGlobalOverrides: Array<{ at: string; renames: Record<string, string> }>;
  renames: Record<string, { to: string; source: string }>;
}

const at = (l: SourceLoc): string => `${l.file}:${l.line}`;

export function summarizeClass(model: ReleaseModel, c: ClassInfo): ClassSummary {
  const r = mro(model, c.key);
  const versioned = isVersioned(model, c.key);
  const s: ClassSummary = {
    key: c.key,
    pickleName: `${runtimeModule(c)}.${c.qualname}`,
    defined: at(c.loc),
    mro: r.ok ? r.mro : { error: r.error },
    versioned,
  };
  if (c.moduleOverride) s.moduleOverride = `${c.moduleOverride.value} (${at(c.moduleOverride.loc)})`;
  if (versioned) {
    if (c.persistenceVersion !== undefined) s.persistenceVersion = c.persistenceVersion;
    s.versionKey = versionKey(model, c.key);
    s.upgradeMethods = Object.keys(c.upgradeMethods).map(Number).sort((a, b) => a - b);
    if (c.persistenceVersion !== undefined) {
      const gaps: number[] = [];
      for (let n = 1; n <= c.persistenceVersion; n++) if (!c.upgradeMethods[n]) gaps.push(n);
      if (gaps.length) s.upgradeGaps = gaps;
    }
  }
  return s;
}

export function summarizeRelease(model: ReleaseModel): ReleaseSummaryView {
  const own = Object.values(model.classes).filter((c) => !model.modules[c.module]?.external);
  return {
    source: model.source,
    contentHash: model.contentHash,
    ...(model.python ? { python: model.python } : {}),
    files: model.stats.files,
    lines: model.stats.lines,
    millis: model.stats.millis,
    libs: model.libs ?? [],
    modules: Object.keys(model.modules).length,
    classes: own.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((c) => summarizeClass(model, c)),
    parseErrors: model.parseErrors,
    findGlobalOverrides: model.findGlobalOverrides.map((f) => ({ at: at(f.loc), renames: { ...f.renames } })),
    renames: { ...(model.renames ?? {}) },
  };
}

function mroText(m: ClassSummary['mro']): string {
  return Array.isArray(m) ? m.join(' → ') : `error: ${m.error}`;
}

export function releaseText(v: ReleaseSummaryView): string {
  const out: string[] = [];
  out.push(`release ${v.source}`);
  out.push(`  ${v.files} files, ${v.lines} lines, ${v.modules} modules, ${v.classes.length} classes; Python ${v.python ?? '(syntax neutral)'}; sha256 ${v.contentHash.slice(0, 16)}…; indexed in ${v.millis} ms`);
  if (v.libs.length) out.push(`  --lib: ${v.libs.join(', ')}`);
  out.push('');
  out.push(`parse errors: ${v.parseErrors.length === 0 ? 'none' : v.parseErrors.length}`);
  for (const e of v.parseErrors) out.push(`  ${at(e)}  ${e.text}`);
  if (v.findGlobalOverrides.length) {
    out.push('');
    out.push('custom unpicklers (find_class / find_global):');
    for (const f of v.findGlobalOverrides) {
      const n = Object.keys(f.renames).length;
      out.push(`  ${f.at}  ${n ? `${n} rename(s) read statically` : 'no rename read statically'}`);
    }
  }
  const renames = Object.entries(v.renames);
  if (renames.length) {
    out.push('');
    out.push('renames in effect:');
    for (const [from, r] of renames.sort()) out.push(`  ${from} → ${r.to}  (${r.source})`);
  }
  out.push('');
  out.push('classes:');
  for (const c of v.classes) {
    out.push(`  ${c.key}  ${c.defined}`);
    if (c.pickleName !== c.key) out.push(`    pickled as: ${c.pickleName}`);
    if (c.moduleOverride) out.push(`    __module__ = ${c.moduleOverride}`);
    out.push(`    mro: ${mroText(c.mro)}`);
    if (c.versioned) {
      const ups = c.upgradeMethods?.length ? c.upgradeMethods.map((n) => `upgradeToVersion${n}`).join(', ') : 'none';
      out.push(`    Versioned: persistenceVersion ${c.persistenceVersion ?? '(inherited)'}, key ${c.versionKey}`);
      out.push(`      upgrades: ${ups}${c.upgradeGaps ? `; no method for step ${c.upgradeGaps.join(', ')}` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}

export interface ClassDetailView {
  class: ClassSummary;
  bases: ClassInfo['bases'];
  facts: ClassFacts;
  externalSets: ReleaseModel['externalSets'];
}

export function classDetail(model: ReleaseModel, c: ClassInfo): ClassDetailView {
  const facts = classFacts(model, c.key);
  const names = new Set(Object.keys(facts.attrs));
  const mroKeys = new Set(facts.mro.ok ? facts.mro.mro : [c.key]);
  // Sets from outside: those typed to a class of this MRO, or untyped ones of an attribute we use.
  const externalSets = model.externalSets.filter((e) => (e.classKey ? mroKeys.has(e.classKey) : names.has(e.attr)));
  return { class: summarizeClass(model, c), bases: c.bases, facts, externalSets };
}

function site(s: AttrSite): string {
  const g = s.use.guard ? ` (${s.use.guard})` : '';
  const aug = s.use.augmented ? ' (augmented: read first)' : '';
  return `${s.classKey}.${s.method}  ${at(s.use.loc)}${g}${aug}  ${s.use.loc.text}`;
}

export function classText(d: ClassDetailView, upgradeChain: string[]): string {
  const c = d.class;
  const out: string[] = [];
  out.push(`class ${c.key}  ${c.defined}`);
  if (c.pickleName !== c.key) out.push(`  pickled as: ${c.pickleName}`);
  out.push(`  bases: ${d.bases.map((b) => (b.resolved && b.resolved !== b.expr ? `${b.expr} (${b.resolved})` : b.resolved ? b.expr : `${b.expr} (unresolved)`)).join(', ') || '(none)'}`);
  out.push(`  mro: ${mroText(c.mro)}`);
  if (c.versioned) {
    out.push(`  Versioned: persistenceVersion ${c.persistenceVersion ?? '(inherited)'}, key ${c.versionKey}`);
    out.push(`    upgrade chain (bases first): ${upgradeChain.join(' → ') || '(none)'}`);
  }
  for (const dyn of d.facts.dynamicAccess) out.push(`  note: ${dyn.classKey} defines ${dyn.method}: attribute access is not fully visible statically`);
  for (const u of d.facts.setsUnknownKeys) out.push(`  note: ${u.classKey}.${u.method} sets attributes we cannot name (__dict__.update / computed setattr)`);
  out.push('');
  out.push('attributes:');
  for (const f of Object.values(d.facts.attrs)) {
    const flags: string[] = [];
    if (f.classLevel) flags.push(`class-level in ${f.classLevel.classKey}`);
    if (f.initDefault) flags.push(`__init__ sets ${f.initDefault.value.python}${f.initDefault.value.kind === 'expr' ? ' (not a literal)' : ''}`);
    out.push(`  ${f.attr}${flags.length ? `  [${flags.join('; ')}]` : ''}`);
    for (const s of f.sets) out.push(`    set      ${site(s)}`);
    for (const s of f.dels) out.push(`    del      ${site(s)}`);
    for (const s of f.reads) out.push(`    read     ${site(s)}`);
    for (const s of f.guardedReads) out.push(`    guarded  ${site(s)}`);
  }
  if (d.externalSets.length) {
    out.push('');
    out.push('set from outside the class:');
    for (const e of d.externalSets) {
      out.push(`  ${e.attr}  ${at(e.loc)}  ${e.receiver}${e.classKey ? ` (${e.classKey})` : ' (class not known)'}${e.viaMethod ? ` via ${e.viaMethod}()` : ''}  ${e.loc.text}`);
    }
  }
  return out.join('\n') + '\n';
}

/** Did pickle find it? (renamed: whatever the rename leads to) */
export function resolutionFound(r: Resolution): boolean {
  if (r.status === 'renamed') return resolutionFound(r.then);
  return r.status === 'found' || r.status === 'found-non-class' || r.status === 'external';
}

export function resolutionText(query: string, r: Resolution, model: ReleaseModel): string {
  const out: string[] = [];
  const line = (res: Resolution, indent: string): void => {
    switch (res.status) {
      case 'found':
        out.push(`${indent}found: class ${res.classKey}  ${at(model.classes[res.classKey]!.loc)}`);
        for (const v of res.via) out.push(`${indent}  via ${v}`);
        if (isVersioned(model, res.classKey)) out.push(`${indent}  version key: ${versionKey(model, res.classKey)}`);
        break;
      case 'found-non-class':
        out.push(`${indent}found, but not a class: ${res.what}`);
        for (const v of res.via) out.push(`${indent}  via ${v}`);
        break;
      case 'external':
        out.push(`${indent}found outside the release: ${res.qualified} (known name)`);
        break;
      case 'unknown':
        out.push(`${indent}not checked: ${res.reason}`);
        break;
      case 'renamed':
        out.push(`${indent}renamed to ${res.to.module}:${res.to.name} by ${res.source}`);
        line(res.then, indent + '  ');
        break;
      case 'missing-module':
        out.push(`${indent}NOT FOUND: module ${res.module} does not exist in the release`);
        break;
      case 'missing-class':
        out.push(`${indent}NOT FOUND: module ${res.module} exists but has no ${res.name}`);
        break;
      case 'dynamic':
        out.push(`${indent}not statically known: ${res.reason}`);
        break;
    }
  };
  out.push(query);
  line(r, '  ');
  return out.join('\n') + '\n';
}

export { upgradeChainClasses };
