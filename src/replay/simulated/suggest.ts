// Suggestions: the smallest change to the target that would make a finding go away.
import type { PredictedFailure } from './versioned.js';
import { derivesFromVersioned, upgradeChain, type ReleaseView } from './view.js';

export function describeFailure(f: Omit<PredictedFailure, never>, baseName: string): string {
  const where = `${baseName}.${f.method}`;
  const via = f.via.length > 1 ? ` (through ${f.via.slice(1).join(' → ')})` : '';
  switch (f.kind) {
    case 'read':
      return `${where} reads self.${f.attr}, which saved objects do not have at that point${via}: AttributeError during the upgrade`;
    case 'del':
      return `${where} deletes self.${f.attr}, which saved objects do not have${via}: AttributeError during the upgrade`;
    case 'arity':
      return `${where} makes a call that raises TypeError during the upgrade${via}: ${f.detail ?? 'wrong number of arguments'}`;
    case 'no-method':
      return `${where} calls self.${f.attr}(), which the target does not define${via}: AttributeError during the upgrade`;
  }
}

/** An `upgradeToVersion{N+1}` that sets the attribute (Versioned), or a class-level default. */
export function suggestAttributeFix(view: ReleaseView, classKey: string, attr: string, value: string | undefined): string {
  const info = view.classInfo(classKey);
  const name = info?.name ?? classKey;
  const val = value ?? '<default>';
  const valNote = value === undefined ? `  # no literal default found in __init__: choose one\n` : '';
  if (info && derivesFromVersioned(view, classKey)) {
    const chain = upgradeChain(view, classKey);
    const own = chain.find((b) => b.key === classKey);
    const current = own?.current ?? info.persistenceVersion ?? 0;
    const next = current + 1;
    return (
      `In class ${name}, bump the version and add an upgrade step:\n` +
      `    persistenceVersion = ${next}\n\n` +
      `    def upgradeToVersion${next}(self):\n` +
      valNote.replace(/^/gm, (m) => (m ? '        ' : '')) +
      `        self.${attr} = ${val}`
    );
  }
  return (
    `${name} is not Versioned: give the attribute a class-level default, which loaded objects inherit:\n` +
    `    class ${name}(...):\n` +
    `        ${attr} = ${val}` +
    (value === undefined ? `  # no literal default found in __init__: choose one` : '')
  );
}

export function suggestMissingClass(view: ReleaseView, module: string, name: string, code: 'missing-module' | 'missing-class'): string {
  const elsewhere = Object.values(view.model.classes).filter((c) => c.name === name);
  if (elsewhere.length === 1) {
    const c = elsewhere[0]!;
    return code === 'missing-module'
      ? `${name} now lives in ${c.module}. Keep a module ${module} that re-exports it:\n    # ${module.replace(/\./g, '/')}.py\n    from ${c.module} import ${c.qualname}`
      : `${name} now lives in ${c.module}. Keep a compatibility alias in ${module}:\n    from ${c.module} import ${c.qualname}  # for old pickles`;
  }
  return code === 'missing-module'
    ? `Restore module ${module} (a stub that re-exports ${name}), or map the old name on load (a --rename entry / the application's find_class).`
    : `Restore ${name} in ${module} (an alias to its replacement), or map the old name on load (a --rename entry / the application's find_class).`;
}
