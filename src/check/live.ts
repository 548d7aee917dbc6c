// The live engine as `check` uses it: one sandboxed Python process per snapshot file and
// release, findings aggregated across files the way the simulated engine aggregates them (so the
// report can mark what both engines found as confirmed), and rendered logs diffed.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Finding } from '../report/finding.js';
import type { LogDiffSummary } from '../report/report.js';
import type { ReleaseModel } from '../release/model.js';
import { runLiveReplay, findPython, DEFAULT_PYTHON_CANDIDATES, type LiveOutcome } from '../replay/live/index.js';
import { describeNormalisation, diffLogRenders, logDiffFindings, type LogProfile, type Normalisation } from '../logs/index.js';
import { findRefill, indexExternalSets, unguardedReads } from '../replay/simulated/attributes.js';
import { classLevelNames } from '../replay/simulated/view.js';
import type { LiveEngine } from './run.js';
import type { LoadedInputs, LoadedSnapshot } from './snapshots.js';
import type { LoadedRelease } from './release.js';
import type { Py2Encoding } from '../replay/simulated/replay.js';

export interface LiveSettings {
  /** `--python`: the target's interpreter; undefined → the first usable of the defaults. */
  python?: string;
  /** `--baseline-python` (default: the target's). */
  baselinePython?: string;
  probes: string[];
  logProfile?: LogProfile;
  normalise: Normalisation;
  logDiffs: number | 'all';
  trusted: boolean;
  /** Snapshots the safety scan flagged: never replayed live unless trusted. */
  flagged: Set<string>;
  encoding?: Py2Encoding;
  timeoutMs: number;
  memoryMB: number;
  /** Processes at once (the machine's cores are shared). */
  concurrency: number;
  /** At most this many snapshot files are replayed live (Infinity: all). */
  maxFiles: number;
}

/**
 * Which files to replay live when there are more than `max`: a Buildbot master keeps one pickle
 * per build, and each live replay is a Python process of its own (~0.5 s). Files that are not
 * numbered builds come first (builder pickles, the shutdown snapshot), then builds newest first,
 * taken in turn from each folder, so every builder is represented. Deterministic.
 */
export function chooseForLive<T extends { name: string }>(snapshots: readonly T[], max: number): T[] {
  if (snapshots.length <= max) return [...snapshots];
  const isBuild = (s: T): boolean => /^\d+$/.test(path.basename(s.name));
  const chosen = new Set<T>(snapshots.filter((s) => !isBuild(s)).slice(0, max));
  const byFolder = new Map<string, T[]>();
  for (const s of snapshots.filter(isBuild)) {
    const dir = path.dirname(s.name);
    byFolder.set(dir, [...(byFolder.get(dir) ?? []), s]);
  }
  const queues = [...byFolder.keys()].sort().map((d) =>
    byFolder.get(d)!.sort((a, b) => Number(path.basename(b.name)) - Number(path.basename(a.name))),
  );
  for (let round = 0; chosen.size < max && queues.some((q) => q.length > round); round++) {
    for (const q of queues) {
      if (chosen.size >= max) break;
      const s = q[round];
      if (s) chosen.add(s);
    }
  }
  return snapshots.filter((s) => chosen.has(s));
}

/** Where `import pkg` finds the release's packages: the folder above its top-level packages. */
export async function importRoot(model: ReleaseModel): Promise<string | undefined> {
  const stat = await fs.stat(model.source).catch(() => undefined);
  if (!stat) return undefined;
  if (stat.isFile()) return /\.(whl|zip|egg)$/i.test(model.source) ? model.source : undefined;
  for (const m of Object.values(model.modules)) {
    const tail = m.name.replace(/\./g, '/') + (m.isPackage ? '/__init__.py' : '.py');
    if (m.file.endsWith(tail) && !path.isAbsolute(m.file)) {
      return path.resolve(model.source, m.file.slice(0, m.file.length - tail.length));
    }
  }
  return model.source;
}

/** Top-level packages the snapshot may name: the release's own and the libraries'. */
function topLevelPackages(model: ReleaseModel): string[] {
  return [...new Set(Object.keys(model.modules).map((m) => m.split('.')[0]!))].sort();
}

/**
 * What the live probes should expect of each class: the attributes the target reads unguarded
 * and that nothing in the release gives back after loading (those are the simulated engine's
 * `missing-attribute` candidates, so both engines judge the same thing).
 */
function expectations(target: LoadedRelease): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const refills = indexExternalSets(target.model.externalSets);
  for (const [key, info] of Object.entries(target.model.classes)) {
    const classNames = classLevelNames(target.view, key);
    const attrs = [...unguardedReads(target.view, key).keys()].filter(
      (a) => !classNames.has(a) && !findRefill(target.view, key, a, refills),
    );
    if (attrs.length === 0) continue;
    out[key] = attrs.sort();
    const runtime = `${info.moduleOverride?.value ?? info.module}.${info.name}`;
    if (runtime !== key) out[runtime] = out[key]!;
  }
  return out;
}

function needsTwisted(model: ReleaseModel): boolean {
  return Object.values(model.classes).some((c) => c.bases.some((b) => (b.resolved ?? '').startsWith('twisted.')));
}

/** Run `fn` over `items` with at most `n` at once, keeping the input order in the results. */
async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
    }),
  );
  return results;
}

export function liveEngine(settings: LiveSettings): LiveEngine {
  return {
    async run(inputs: LoadedInputs, target: LoadedRelease, baseline: LoadedRelease | undefined, _opts, progress) {
      const done: string[] = [];
      const skipped: string[] = [];
      const targetRoot = await importRoot(target.model);
      if (!targetRoot) {
        skipped.push(`live replay and log rendering skipped: the target ${target.summary.path} is an sdist; unpack it and pass the folder`);
        return { findings: [], done, skipped };
      }
      const needs = needsTwisted(target.model) ? ['twisted.persisted.styles'] : [];
      const candidates = settings.python ? [settings.python] : DEFAULT_PYTHON_CANDIDATES;
      progress('looking for a Python to replay with');
      const py = await findPython(candidates, needs);
      if ('reason' in py) {
        skipped.push(`live replay and log rendering skipped: ${py.reason}`);
        return { findings: [], done, skipped };
      }
      const python = [`target: ${py.exe} ${py.version}${py.hasTwisted ? ' with Twisted' : ''}`];

      let baselineRun: { exe: string; root: string } | undefined;
      if (baseline) {
        const root = await importRoot(baseline.model);
        const bpy = await findPython(settings.baselinePython ? [settings.baselinePython] : [py.exe], needsTwisted(baseline.model) ? ['twisted.persisted.styles'] : []);
        if (!root) skipped.push(`rendered logs not compared: the baseline ${baseline.summary.path} is an sdist; unpack it and pass the folder`);
        else if ('reason' in bpy) skipped.push(`rendered logs not compared: baseline ${bpy.reason}`);
        else {
          baselineRun = { exe: bpy.exe, root };
          python.push(`baseline: ${bpy.exe} ${bpy.version}`);
        }
      }

      const safe = inputs.snapshots.filter((s) => settings.trusted || !settings.flagged.has(s.name));
      for (const s of inputs.snapshots) {
        if (!safe.includes(s)) skipped.push(`${s.name}: not replayed live: the safety scan found globals that execute code (pass --trust-snapshot to replay it anyway)`);
      }
      const replayable = chooseForLive(safe, settings.maxFiles);
      if (replayable.length < safe.length) {
        skipped.push(
          `live replay ran on ${replayable.length} of ${safe.length} snapshot files (every non-build file, then the newest builds of each ` +
            `folder; one Python process each); --live-max all replays every file`,
        );
      }
      const common = (s: LoadedSnapshot) => ({
        snapshot: s.file,
        ...(s.opened.compression !== 'none' || s.opened.format !== 'pickle' ? { snapshotBytes: s.opened.pickle } : {}),
        snapshotLabel: s.name,
        basedir: path.dirname(s.file),
        ...(settings.logProfile ? { logProfile: settings.logProfile } : {}),
        trusted: settings.trusted,
        flaggedUnsafe: settings.flagged.has(s.name),
        needsTwisted: needs.length > 0,
        ...(settings.encoding ? { encoding: settings.encoding } : {}),
        timeoutMs: settings.timeoutMs,
        memoryMB: settings.memoryMB,
      });
      const expected = expectations(target);
      const allowed = topLevelPackages(target.model);
      let n = 0;
      const outcomes = await mapLimit(replayable, settings.concurrency, async (s) => {
        progress(`live replay ${++n}/${replayable.length}: ${s.name}`);
        const t = await runLiveReplay({
          ...common(s),
          python: py.exe,
          releasePath: targetRoot,
          allowedModules: allowed,
          expectations: expected,
          probes: settings.probes,
        });
        let b: LiveOutcome | undefined;
        if (baselineRun && settings.logProfile) {
          b = await runLiveReplay({
            ...common(s),
            python: baselineRun.exe,
            releasePath: baselineRun.root,
            allowedModules: topLevelPackages(baseline!.model),
          });
        }
        return { s, t, b };
      });

      const perFile: Array<{ snapshot: string; findings: Finding[] }> = [];
      const logs: LogDiffSummary[] = [];
      let sandbox: Record<string, boolean | string> | undefined;
      for (const { s, t, b } of outcomes) {
        sandbox ??= t.sandbox;
        if (t.skipped) skipped.push(`${s.name}: live replay: ${t.skipped}`);
        if (t.killed) skipped.push(`${s.name}: live replay stopped: ${t.killed}`);
        if (t.snapshotUnchanged === false) skipped.push(`${s.name}: the snapshot changed on disk during the live replay`);
        for (const note of t.notes) if (!skipped.includes(note)) skipped.push(note);
        perFile.push({ snapshot: s.name, findings: t.findings });
        if (b) {
          if (b.skipped) skipped.push(`${s.name}: baseline render: ${b.skipped}`);
          logs.push(...diffLogRenders(b.renders, t.renders, { snapshot: s.name, normalise: settings.normalise, diffs: settings.logDiffs }));
        }
      }
      // One finding per file here: the report merges them per key across files (as the
      // simulated engine reports them) before it matches the two engines' findings.
      const findings = perFile.flatMap((p) => p.findings);
      if (logs.length > 0) {
        findings.push(...logDiffFindings(logs, [...new Set(logs.map((l) => l.snapshot))].sort()));
        done.push(`rendered ${logs.length} log(s) with the baseline and the target and compared them; ${describeNormalisation(settings.normalise)}`);
      } else if (baselineRun && !settings.logProfile) {
        skipped.push('rendered logs not compared: no log profile (use --log-class/--render-method or --log-profile)');
      }
      const objects = outcomes.reduce((sum, o) => sum + o.t.stats.objects, 0);
      const upgraded = outcomes.reduce((sum, o) => sum + o.t.stats.upgraded, 0);
      done.push(`live replay: ${replayable.length} snapshot file(s) loaded by ${py.exe} ${py.version} in a sandbox; ${objects} object(s), ${upgraded} upgraded by Twisted's own code`);
      return { findings, done, skipped, ...(sandbox ? { sandbox } : {}), python, ...(baselineRun ? { logs } : {}) };
    },
  };
}
