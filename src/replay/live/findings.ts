// Harness events → findings. Pure: the same events always give the same, sorted findings.
import path from 'node:path';
import { FINDING_CODES, findingKey, type Evidence, type Finding, type FindingCode } from '../../report/finding.js';
import type { HarnessEvent } from './types.js';

export interface FindingContext {
  /** Import roots of the release (absolute), for file:line evidence relative to the release. */
  releaseRoots: string[];
  /** The snapshot as named in findings. */
  snapshot: string;
}

interface PyError {
  type: string;
  message: string;
  traceback: string;
  frames: Array<{ file: string; line: number; name: string; text: string }>;
}

const MAX_PATHS = 5;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function pyError(v: unknown): PyError | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const e = v as Partial<PyError>;
  return {
    type: String(e.type ?? 'Exception'),
    message: String(e.message ?? ''),
    traceback: String(e.traceback ?? ''),
    frames: Array.isArray(e.frames) ? e.frames : [],
  };
}

/** The frames of a traceback that are inside the release, as evidence (innermost last). */
export function releaseEvidence(err: PyError, roots: string[], role: Evidence['role']): Evidence[] {
  const out: Evidence[] = [];
  for (const f of err.frames) {
    const abs = path.resolve(f.file);
    const root = roots.find((r) => abs === r || abs.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    if (root === undefined) continue;
    out.push({ file: path.relative(root, abs).split(path.sep).join('/'), line: f.line, text: f.text, role });
  }
  return out;
}

/** `'Item' object has no attribute 'price'` → price */
export function attributeOfError(message: string): string | undefined {
  return /has no attribute '([^']+)'/.exec(message)?.[1];
}

class Collector {
  private readonly byKey = new Map<string, Finding>();
  private readonly allPaths = new Map<string, Set<string>>();
  constructor(private readonly ctx: FindingContext) {}

  add(f: Omit<Finding, 'severity' | 'engines' | 'snapshots' | 'count' | 'paths'> & { paths?: string[]; count?: number }): void {
    const key = findingKey(f);
    const paths = this.allPaths.get(key) ?? new Set<string>();
    this.allPaths.set(key, paths);
    for (const p of f.paths ?? []) paths.add(p);
    const existing = this.byKey.get(key);
    if (existing) {
      // Same problem seen again (another object, or by a probe as well as the expectations).
      // Counted by distinct paths when there are paths (a probe and an expectation on the same
      // object are one problem); otherwise by occurrences.
      if (!f.paths?.length) existing.count += f.count ?? 1;
      for (const e of f.evidence) {
        if (!existing.evidence.some((x) => x.file === e.file && x.line === e.line && x.role === e.role)) existing.evidence.push(e);
      }
      if (f.details) existing.details = { ...f.details, ...existing.details };
      return;
    }
    this.byKey.set(key, {
      ...f,
      severity: FINDING_CODES[f.code],
      count: f.count ?? 1,
      paths: [],
      snapshots: [this.ctx.snapshot],
      engines: ['live'],
    });
  }

  findings(): Finding[] {
    const out = [...this.byKey.entries()].map(([key, f]) => {
      const paths = [...(this.allPaths.get(key) ?? [])].sort();
      return { ...f, count: Math.max(f.count, paths.length), paths: paths.slice(0, MAX_PATHS) };
    });
    // Code-point order, not localeCompare: the same on every machine, so reports diff.
    return out.sort((a, b) => (findingKey(a) < findingKey(b) ? -1 : findingKey(a) > findingKey(b) ? 1 : 0));
  }
}

export function findingsFromEvents(events: HarnessEvent[], ctx: FindingContext): Finding[] {
  const c = new Collector(ctx);
  const placeholderPaths = new Map<string, { count: number; paths: string[] }>();
  for (const e of events) {
    if (e.event === 'placeholder-instances') {
      placeholderPaths.set(`${str(e.module)}.${str(e.name)}`, { count: Number(e.count), paths: (e.paths as string[]) ?? [] });
    }
  }
  for (const e of events) {
    switch (e.event) {
      case 'global': {
        const cls = `${str(e.module)}.${str(e.name)}`;
        const inst = placeholderPaths.get(cls);
        const base = { class: cls, paths: inst?.paths ?? [], count: inst?.count ?? 0, evidence: [] as Evidence[] };
        const err = pyError(e.error);
        if (e.status === 'refused') {
          c.add({ ...base, code: 'unsafe-global', message: `the snapshot names ${cls}, outside the allowlist (release and lib packages, harmless stdlib): refused` });
        } else if (e.status === 'missing-module') {
          c.add({
            ...base,
            code: 'missing-module',
            message: `module ${str(e.module)} does not exist in the target (import failed: ${err?.message ?? 'not found'})`,
            suggestion: `keep a module ${str(e.module)} that re-exports ${str(e.name)}, or register the old name in sys.modules before loading`,
            ...(err ? { details: { error: `${err.type}: ${err.message}` } } : {}),
          });
        } else if (e.status === 'missing-class') {
          c.add({
            ...base,
            code: 'missing-class',
            message: `module ${str(e.module)} has no ${str(e.name)} in the target`,
            suggestion: `keep ${str(e.name)} (or an alias to its replacement) in ${str(e.module)}`,
            ...(err ? { details: { error: `${err.type}: ${err.message}` } } : {}),
          });
        } else if (e.status === 'import-exception' && err) {
          c.add({
            ...base,
            code: 'load-exception',
            message: `importing ${str(e.module)} for ${cls} raised ${err.type}: ${err.message}`,
            evidence: releaseEvidence(err, ctx.releaseRoots, 'traceback'),
            details: { traceback: err.traceback },
          });
        }
        break;
      }
      case 'load-exception': {
        const err = pyError(e.error);
        if (!err) break;
        c.add({
          code: 'load-exception',
          message: `loading the snapshot raised ${err.type}: ${err.message}`,
          ...(err.type === 'UnicodeDecodeError'
            ? { suggestion: "a Python 2 str with non-ASCII bytes: load with pickle.load(f, encoding='latin1') (never fails; UTF-8 text in a Python 2 str then shows as mojibake)" }
            : {}),
          paths: [],
          evidence: releaseEvidence(err, ctx.releaseRoots, 'traceback'),
          details: { traceback: err.traceback, phase: e.phase },
        });
        break;
      }
      case 'setstate-exception': {
        const err = pyError(e.error);
        if (!err) break;
        c.add({
          code: 'load-exception',
          class: str(e.class),
          message: `${str(e.class)}.__setstate__ raised ${err.type}: ${err.message} while loading`,
          paths: [str(e.path) ?? '?'],
          evidence: releaseEvidence(err, ctx.releaseRoots, 'traceback'),
          details: { traceback: err.traceback },
        });
        break;
      }
      case 'upgrade': {
        if (e.ok) break;
        const cls = str(e.class) ?? '?';
        const p = str(e.path) ?? '?';
        const err = pyError(e.error);
        const down = e.downgrade as Array<{ class: string; saved: number; current: number }> | undefined;
        if (down?.length) {
          const d = down[0]!;
          c.add({
            code: 'version-downgrade',
            class: cls,
            message: `the snapshot holds ${d.class} at persistenceVersion ${d.saved}; the target's is ${d.current} (Twisted: "can't go backwards in time")`,
            paths: [p],
            evidence: [],
            details: { downgrade: down },
          });
          break;
        }
        if (!err) break;
        const notRun = (e.notRun as string[]) ?? [];
        const consumed = (e.consumed as string[]) ?? [];
        c.add({
          code: 'upgrade-exception',
          class: cls,
          attribute: err.type === 'AttributeError' ? attributeOfError(err.message) : undefined,
          message: `${str(e.failedStep) ?? 'the upgrade'} raised ${err.type}: ${err.message}; the object is left half-upgraded (${consumed.length} version key(s) consumed, ${notRun.length} step(s) not run)`,
          paths: [p],
          evidence: releaseEvidence(err, ctx.releaseRoots, 'upgrade'),
          details: {
            traceback: err.traceback,
            method: str(e.failedStep)?.split('.').pop(),
            failedStep: e.failedStep,
            consumedKeys: consumed,
            stepsNotRun: notRun,
            halfUpgraded: true,
          },
        });
        break;
      }
      case 'gap': {
        const base = str(e.base) ?? '?';
        const method = `upgradeToVersion${Number(e.version)}`;
        // One finding per missing method, attribute = the method (as the simulated engine).
        c.add({
          code: 'upgrade-gap',
          class: str(e.class),
          attribute: method,
          message: `${base} has no ${method}: Twisted logged "Warning: cannot upgrade ${base} to version ${Number(e.version)}" and skipped the step`,
          paths: [str(e.path) ?? '?'],
          evidence: [],
          // Names as in samples/tinybot/expected.json.
          details: { base, missing: [method], saved: e.saved, current: e.current },
        });
        break;
      }
      case 'orphan-key': {
        const now = (e.now as Array<{ class: string; current: number }>) ?? [];
        const rerun = (e.rerun as string[]) ?? [];
        // One finding per key, attribute = the key (b'…' when bytes), as the simulated engine.
        for (const key of (e.keys as string[]) ?? []) {
          c.add({
            code: 'version-key-orphaned',
            class: str(e.class),
            attribute: key,
            message: `after the upgrade the object still carries ${key}: no class in its MRO has that path any more (now ${now.map((n) => n.class).join(', ') || '?'}), so its saved version was ignored${rerun.length ? ` and ${rerun.join(', ')} ran from the start` : ''}`,
            paths: [str(e.path) ?? '?'],
            evidence: [],
            // Names as in samples/tinybot/expected.json.
            details: {
              savedKey: key,
              savedVersion: (e.saved as Record<string, unknown>)?.[key],
              nowQualified: now[now.length - 1]?.class,
              reruns: rerun.map((r) => r.split('.').pop()),
              rerunQualified: rerun,
            },
          });
        }
        break;
      }
      case 'missing-attribute': {
        c.add({
          code: 'missing-attribute',
          class: str(e.class),
          attribute: str(e.attribute),
          message: `after the upgrade, ${str(e.class)} instances lack .${str(e.attribute)}, which the target reads unguarded`,
          paths: [str(e.path) ?? '?'],
          evidence: [],
        });
        break;
      }
      case 'probe': {
        if (e.ok) break;
        const cls = str(e.class);
        if (e.absent) {
          c.add({
            code: 'not-checked' as FindingCode,
            class: cls,
            attribute: `${str(e.method)}()`,
            message: `probe ${cls}.${str(e.method)}() not run: the target's class has no such method`,
            paths: [str(e.path) ?? '?'],
            evidence: [],
          });
          break;
        }
        const err = pyError(e.error);
        if (!err) break;
        if (err.type === 'AttributeError' && e.stub) {
          c.add({
            code: 'not-checked' as FindingCode,
            class: cls,
            attribute: `${str(e.method)}()`,
            message: `probe ${cls}.${str(e.method)}() needs .${attributeOfError(err.message) ?? '?'} on an object the app re-attaches after loading (the sandbox's stand-in lacks it): not checked`,
            paths: [str(e.path) ?? '?'],
            evidence: releaseEvidence(err, ctx.releaseRoots, 'traceback'),
            details: { traceback: err.traceback },
          });
        } else if (err.type === 'AttributeError') {
          const attr = attributeOfError(err.message);
          // The object lacking the attribute may be another one than the probed (3.10+ knows it).
          const lacking = str(e.objClass) ?? cls;
          c.add({
            code: 'missing-attribute',
            class: lacking,
            attribute: attr,
            message: `after the upgrade, ${lacking} instances lack .${attr ?? '?'}: ${cls}.${str(e.method)}() raises AttributeError: ${err.message}`,
            paths: [str(e.objPath) ?? str(e.path) ?? '?'],
            evidence: releaseEvidence(err, ctx.releaseRoots, 'read'),
            details: { traceback: err.traceback, probe: e.method },
          });
        } else {
          c.add({
            code: 'not-checked' as FindingCode,
            class: cls,
            attribute: `${str(e.method)}()`,
            message: `probe ${cls}.${str(e.method)}() raised ${err.type}: ${err.message} (not an AttributeError; shown for review)`,
            paths: [str(e.path) ?? '?'],
            evidence: releaseEvidence(err, ctx.releaseRoots, 'traceback'),
            details: { traceback: err.traceback },
          });
        }
        break;
      }
      default:
        break;
    }
  }
  return c.findings();
}
