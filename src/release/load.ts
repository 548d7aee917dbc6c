// loadRelease: files → parse → per-module facts → one ReleaseModel, then the passes that need
// the whole release (base classes, `__module__` overrides, receivers' classes, renames).
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ClassInfo, ExternalSet, ModuleInfo, ReleaseModel, SourceLoc } from './model.js';
import type { Hint, PendingExternalSet, PendingMethodCall } from './extract.js';
import { extractAll } from './index-files.js';
import { readRelease, type SourceFile } from './sources.js';
import { readRenames } from './renames.js';
import { resolveClassExpr } from './resolve.js';
import { mro } from './classes.js';
import { dict } from './dict.js';

export interface LoadOptions {
  path: string;
  /** Extra search paths for packages the release imports but does not contain (indexed as external). */
  libs?: string[];
  /** A rename map file (zodbupdate style). */
  renames?: string;
}

const UNPICKLERS = new Set(['pickle.Unpickler', 'pickle._Unpickler', 'cPickle.Unpickler', '_pickle.Unpickler']);

function stringLiteral(text: string): string | undefined {
  const m = /^[uUrR]{0,2}(['"])([^'"\\]*)\1$/.exec(text.trim());
  return m ? m[2] : undefined;
}

function contentHash(files: SourceFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    h.update(f.rel);
    h.update('\0');
    h.update(f.text);
    h.update('\0');
  }
  return h.digest('hex');
}

/** Index a release (directory, sdist, wheel/egg/zip) into a ReleaseModel. */
export async function loadRelease(opts: LoadOptions): Promise<ReleaseModel> {
  const t0 = performance.now();
  const release = await readRelease(opts.path);
  const libs: Array<{ dir: string; files: SourceFile[] }> = [];
  for (const dir of opts.libs ?? []) libs.push({ dir, files: (await readRelease(dir)).files });
  const renameMap = opts.renames ? await readRenames(opts.renames) : undefined;

  // The release wins over --lib for a module both provide (it is what gets installed).
  const inputs: Array<SourceFile & { external: boolean; file: string }> = [];
  const taken = new Set<string>();
  for (const f of release.files) {
    if (taken.has(f.module)) continue;
    taken.add(f.module);
    inputs.push({ ...f, external: false, file: f.rel });
  }
  for (const lib of libs) {
    for (const f of lib.files) {
      if (taken.has(f.module)) continue;
      taken.add(f.module);
      inputs.push({ ...f, external: true, file: `${lib.dir.replace(/\/+$/, '')}/${f.rel}` });
    }
  }

  const model: ReleaseModel = {
    source: opts.path,
    contentHash: contentHash(release.files),
    modules: dict(),
    classes: dict(),
    externalSets: [],
    findGlobalOverrides: [],
    parseErrors: [],
    stats: { files: 0, lines: 0, millis: 0 },
  };
  if (opts.libs?.length) model.libs = [...opts.libs];
  const pendingSets: PendingExternalSet[] = [];
  const pendingCalls: PendingMethodCall[] = [];
  const findGlobals: Array<{ classKey: string; loc: SourceLoc; renames: Record<string, string> }> = [];
  let py2 = 0;
  let py3 = 0;
  const all = await extractAll(inputs, taken);
  inputs.forEach((f, i) => {
    const facts = all[i]!;
    const mod: ModuleInfo = facts.module;
    if (f.external) mod.external = true;
    model.modules[mod.name] = mod;
    for (const c of facts.classes) model.classes[c.key] = c;
    if (!f.external) {
      model.parseErrors.push(...mod.parseErrors);
      pendingSets.push(...facts.externalSets);
      pendingCalls.push(...facts.methodCalls);
      findGlobals.push(...facts.findGlobals);
      if (mod.syntax === 2) py2++;
      if (mod.syntax === 3) py3++;
    }
    model.stats.files++;
    model.stats.lines += facts.lines;
  });
  if (py2 > 0 || py3 > 0) model.python = py2 >= py3 ? 2 : 3;
  // Implicit relative imports guessed on syntax-neutral modules do not happen in a Python 3 release.
  if (model.python === 3) {
    for (const facts of all) {
      for (const fix of facts.implicitRelative) {
        if ('star' in fix) facts.module.starImports[fix.star] = fix.absolute;
        else {
          const b = facts.module.names[fix.name]?.[fix.index];
          if (b?.kind === 'import-module' || b?.kind === 'import-from') b.module = fix.absolute;
        }
      }
    }
  }

  resolveBases(model);
  applyModuleOverrides(model);
  resolveAttrCalls(model);
  model.externalSets = resolveExternalSets(model, pendingSets, pendingCalls);
  collectFindGlobals(model, findGlobals);
  if (renameMap) {
    model.renames ??= dict();
    for (const [from, to] of Object.entries(renameMap)) model.renames[from] = { to, source: `--rename ${opts.renames}` };
  }
  model.stats.millis = Math.round(performance.now() - t0);
  return model;
}

function resolveBases(model: ReleaseModel): void {
  for (const c of Object.values(model.classes)) {
    for (const b of c.bases) {
      const r = resolveClassExpr(model, c.module, b.expr);
      if (!r) continue;
      if ('key' in r) b.resolved = r.key;
      else {
        b.resolved = r.external;
        b.external = true;
      }
    }
  }
}

/** `Cls.__module__ = 'x'` at module level anywhere, or `__module__ = 'x'` in the class body. */
function applyModuleOverrides(model: ReleaseModel): void {
  for (const c of Object.values(model.classes)) {
    const own = c.classAttrs.__module__;
    const v = own && own.value.kind === 'literal' ? stringLiteral(own.value.python) : undefined;
    if (own && v !== undefined) c.moduleOverride = { value: v, loc: own.loc };
  }
  for (const m of Object.values(model.modules)) {
    for (const b of m.attrBindings ?? []) {
      if (b.attr !== '__module__') continue;
      const r = resolveClassExpr(model, m.name, b.receiver);
      const v = stringLiteral(b.value);
      if (r && 'key' in r && v !== undefined) model.classes[r.key]!.moduleOverride = { value: v, loc: b.loc };
    }
  }
}

function resolveAttrCalls(model: ReleaseModel): void {
  for (const c of Object.values(model.classes)) {
    for (const m of Object.values(c.methods)) {
      m.attrCalls = m.attrCalls.flatMap((a) => {
        const r = resolveClassExpr(model, c.module, a.classRef);
        if (!r) return [];
        return [{ ...a, classRef: 'key' in r ? r.key : r.external }];
      });
    }
  }
}

/** The constructor assigned to `self.<attr>` anywhere in the class (`self.x = Foo(...)`). */
function ctorOfSelfAttr(c: ClassInfo, attr: string): string | undefined {
  for (const m of Object.values(c.methods)) {
    const v = m.assigned[attr];
    const call = v ? /^([A-Za-z_][\w.]*)\s*\(/.exec(v.python) : null;
    if (call) return call[1];
  }
  return undefined;
}

function hintClass(model: ReleaseModel, hint: Hint | undefined): string | undefined {
  if (!hint) return undefined;
  let module: string;
  let expr: string | undefined;
  if (hint.kind === 'expr') {
    module = hint.module;
    expr = hint.expr;
  } else {
    const c = model.classes[hint.classKey];
    if (!c) return undefined;
    module = c.module;
    expr = ctorOfSelfAttr(c, hint.attr);
  }
  if (!expr) return undefined;
  const r = resolveClassExpr(model, module, expr);
  return r && 'key' in r ? r.key : undefined;
}

/**
 * External sets get a class key when the receiver's class is statically known: a local assigned
 * from a constructor (`b = BuildStatus(...)`), an annotated parameter or variable, or
 * `self.x` where the class assigns `self.x = Foo(...)`. Calls `x.meth(...)` on such a receiver
 * become external sets of what `meth` (found through the MRO) sets on its self.
 * Loops (`for b in self.builds`) and untyped parameters give no class: only the attribute name.
 */
function resolveExternalSets(model: ReleaseModel, sets: PendingExternalSet[], calls: PendingMethodCall[]): ExternalSet[] {
  const out: ExternalSet[] = [];
  for (const p of sets) {
    const key = hintClass(model, p.hint);
    out.push(key ? { ...p.set, classKey: key } : p.set);
  }
  for (const call of calls) {
    const key = hintClass(model, call.hint);
    if (!key) continue;
    const r = mro(model, key);
    const owner = (r.ok ? r.mro : [key]).map((k) => model.classes[k]).find((c) => c?.methods[call.method]);
    const m = owner?.methods[call.method];
    if (!m) continue;
    const attrs = [...new Set(m.attrs.filter((u) => u.kind === 'set').map((u) => u.attr))].sort();
    for (const attr of attrs) out.push({ attr, receiver: call.receiver, classKey: key, viaMethod: call.method, loc: call.loc });
  }
  out.sort((a, b) => (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : a.loc.line - b.loc.line || (a.attr < b.attr ? -1 : a.attr > b.attr ? 1 : 0)));
  return out;
}

function collectFindGlobals(model: ReleaseModel, found: Array<{ classKey: string; loc: SourceLoc; renames: Record<string, string> }>): void {
  const seen = new Set<string>();
  for (const f of found) {
    seen.add(f.classKey);
    model.findGlobalOverrides.push({ loc: f.loc, renames: f.renames });
    for (const [from, to] of Object.entries(f.renames)) {
      model.renames ??= dict();
      model.renames[from] = { to, source: `find_class at ${f.loc.file}:${f.loc.line}` };
    }
  }
  // A pickle.Unpickler subclass without its own find_class still changes how loading goes.
  for (const c of Object.values(model.classes)) {
    if (seen.has(c.key) || model.modules[c.module]?.external) continue;
    if (c.bases.some((b) => b.resolved && UNPICKLERS.has(b.resolved))) model.findGlobalOverrides.push({ loc: c.loc, renames: {} });
  }
}
