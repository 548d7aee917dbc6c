// What each finding code means, in words: SARIF rules carry it, the Markdown report links it.
import { FINDING_CODES, type FindingCode } from './finding.js';

export interface RuleText {
  /** A short title (SARIF shortDescription). */
  title: string;
  /** What the code means and why it matters (SARIF fullDescription). */
  description: string;
  /** What to do about it (SARIF help). */
  help: string;
}

export const RULES: Record<FindingCode, RuleText> = {
  'missing-module': {
    title: 'A module the snapshot references is gone',
    description: 'The snapshot names classes in a module that does not exist in the target release; unpickling fails with ImportError.',
    help: 'Keep a module of that name in the target (it may just re-export the moved classes), or register an alias in sys.modules before loading.',
  },
  'missing-class': {
    title: 'A class the snapshot references is gone',
    description: 'The module exists in the target, but the class name the snapshot uses does not; unpickling fails with AttributeError.',
    help: 'Keep the old name as an alias of the new class in the old module (OldName = NewName).',
  },
  'missing-attribute': {
    title: 'Upgraded objects lack an attribute the code reads',
    description: "After the Versioned upgrade chain runs, objects from the snapshot lack an attribute that the target's code reads without a guard: the first read raises AttributeError, usually long after the restart.",
    help: 'Add an upgradeToVersionN method (bump persistenceVersion) that sets the attribute, with the default that __init__ uses.',
  },
  'upgrade-exception': {
    title: 'An upgrade method raises',
    description: "An upgradeToVersionN method raises on objects from the snapshot. Twisted's doUpgrade leaves the object half-upgraded with its version keys already removed: saved again, it is stamped current and never re-upgraded.",
    help: 'Make the upgrade method tolerate what old objects really contain (use getattr with a default, or set the missing attribute first).',
  },
  'load-exception': {
    title: 'Loading the snapshot raises',
    description:
      "Loading the snapshot under the target raises: the target's __setstate__ or __reduce__ reconstruction, or pickle itself (a Python 2 string that the chosen encoding cannot decode).",
    help: 'Make __setstate__ accept the state old releases saved; for Python 2 strings, load with the encoding the suggestion names.',
  },
  'version-downgrade': {
    title: 'The snapshot is newer than the target',
    description: "The snapshot was written by a newer persistenceVersion than the target defines; Twisted asserts \"can't go backwards in time\".",
    help: 'Install a release at least as new as the one that wrote the snapshot, or restore an older snapshot.',
  },
  'upgrade-gap': {
    title: 'A step of the upgrade chain is missing',
    description: 'A Versioned class lacks upgradeToVersionN for a step its chain needs; Twisted skips it with a logged warning, so whatever that step should do is not done.',
    help: 'Add the missing upgradeToVersionN method, even if it only passes, so the gap is deliberate.',
  },
  'version-key-orphaned': {
    title: 'A saved version key names a class path that no longer exists',
    description: "The snapshot stores a persistenceVersion under a module path that no class has any more (the class moved); its saved version is lost and its whole upgrade chain runs again from version 1.",
    help: 'Make the early upgrade methods safe to re-run, or keep __module__ pointing at the old path.',
  },
  'unused-attribute': {
    title: 'The snapshot carries an attribute the target never uses',
    description: 'Objects in the snapshot carry an attribute that no code in the target reads or writes; harmless, but it stays in every later snapshot.',
    help: 'Delete it in an upgrade method, or add it to persistenceForgets, if it is really dead.',
  },
  'log-render-diff': {
    title: 'A log renders differently under the target',
    description: 'A log object from the snapshot renders differently under the baseline and the target release.',
    help: 'Look at the diff: check that the change is intended.',
  },
  'unsafe-global': {
    title: 'The snapshot calls something that executes code',
    description: 'The pickle references a callable that can run arbitrary code when loaded (os.system, eval, subprocess, …). It is never replayed live unless it is trusted.',
    help: 'Find out how it got there before loading this snapshot anywhere.',
  },
  'attribute-reattached': {
    title: 'A missing attribute is set again from outside after loading',
    description: "Upgraded objects lack an attribute that the target's code reads unguarded, but the release sets it from outside after loading (for example in the parent's setup code).",
    help: 'Nothing to do if the reattaching code always runs before the read; an upgrade method makes it certain.',
  },
  'not-checked': {
    title: 'Something could not be checked',
    description: 'The model cannot see through __getattr__, __setstate__ or dynamic code for these objects: they were not checked.',
    help: 'Use live replay (with a Python that has the needed packages) to check these objects for real.',
  },
  'log-render-failed': {
    title: 'A log fails to render',
    description: 'A log object from the snapshot fails to render under the baseline, the target, or both.',
    help: 'Look at the error: the log file may be missing, or the target may no longer read its format.',
  },
};

/** Every code, in the order of the table (stable, for SARIF rule indexes). */
export const ALL_CODES = Object.keys(FINDING_CODES) as FindingCode[];
