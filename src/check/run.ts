// `rehearse check` as a function: inputs and options in, a Report out. The command and
// `rehearse ci` call it; it prints nothing (progress goes through the callback).
import type { Finding } from '../report/finding.js';
import type { LogDiffSummary, Report } from '../report/report.js';
import { buildReport, type FailOn } from '../report/build.js';
import type { AcceptFile } from '../report/accept.js';
import { scanUnsafe } from '../snapshot/unsafe.js';
import { simulateReplay, type Py2Encoding, type SimulatedOptions } from '../replay/simulated/replay.js';
import { loadInputs, type LoadedInputs } from './snapshots.js';
import { loadReleaseForCheck, type LoadedRelease } from './release.js';
import { isDangerous, unsafeFindings } from './unsafe.js';

export type ReplayMode = 'simulated' | 'live' | 'both';

export interface CheckOptions {
  inputs: string[];
  target: string;
  baseline?: string;
  libs: string[];
  renames?: string;
  failOn: FailOn;
  targetPython?: 2 | 3;
  /** pickle.load's encoding= for Python 2 strings under a Python 3 target (default: what the target's source passes, else 'ASCII'). */
  encoding?: Py2Encoding;
  replay: ReplayMode;
  command: string;
  accept?: AcceptFile;
  /** A target already indexed (by `rehearse ci`, which checks many units against one target). */
  loadedTarget?: LoadedRelease;
}

export interface CheckRun {
  report: Report;
  inputs: LoadedInputs;
  target: LoadedRelease;
  baseline?: LoadedRelease;
}

/** Live replay and log rendering, plugged in by the command when available. */
export interface LiveEngine {
  run(inputs: LoadedInputs, target: LoadedRelease, baseline: LoadedRelease | undefined, opts: { trusted: Set<string> }, progress: (t: string) => void): Promise<{
    findings: Finding[];
    done: string[];
    skipped: string[];
    sandbox?: Record<string, boolean | string>;
    python?: string[];
    logs?: LogDiffSummary[];
  }>;
}

/** What the simulated replay needs to know beyond the release's model. */
export function simulatedOptionsFor(target: LoadedRelease, opts: { targetPython?: 2 | 3; encoding?: Py2Encoding }): SimulatedOptions {
  return {
    ...(opts.targetPython ? { targetPython: opts.targetPython } : {}),
    ...(target.words ? { releaseWords: target.words } : {}),
    encoding: opts.encoding ?? target.pickleEncoding ?? 'ASCII',
  };
}

export async function runCheck(
  opts: CheckOptions,
  progress: (text: string) => void = () => {},
  makeLive?: (flagged: Set<string>, encoding: Py2Encoding | undefined) => LiveEngine,
): Promise<CheckRun> {
  const inputs = await loadInputs(opts.inputs, progress);
  progress(`indexing target ${opts.target}`);
  const target = opts.loadedTarget ?? await loadReleaseForCheck({ path: opts.target, libs: opts.libs, ...(opts.renames ? { renames: opts.renames } : {}) });
  let baseline: LoadedRelease | undefined;
  if (opts.baseline) {
    progress(`indexing baseline ${opts.baseline}`);
    baseline = await loadReleaseForCheck({ path: opts.baseline, libs: opts.libs });
  }

  const findings: Finding[] = [];
  const done: string[] = [];
  const skipped: string[] = [];
  const engines: Array<'simulated' | 'live'> = [];

  // Unsafe globals first: they decide whether a live replay may run at all.
  const unsafeSnapshots = new Set<string>();
  for (const s of inputs.snapshots) {
    const calls = scanUnsafe(s.graph);
    if (calls.some(isDangerous)) unsafeSnapshots.add(s.name);
    findings.push(...unsafeFindings(s.name, calls, inputs.snapshots.length > 1));
  }
  done.push(`safety scan of ${inputs.snapshots.length} snapshot file(s): ${unsafeSnapshots.size} with globals that execute code`);

  if (opts.replay !== 'live') {
    progress('simulating the load and the upgrade');
    const sim = simulateReplay(
      inputs.snapshots.map((s) => ({ name: s.name, graph: s.graph })),
      target.view,
      simulatedOptionsFor(target, opts),
    );
    engines.push('simulated');
    findings.push(...sim.findings);
    done.push(...sim.done);
    skipped.push(...sim.skipped);
  }

  let logs: LogDiffSummary[] | undefined;
  let sandbox: Record<string, boolean | string> | undefined;
  let python: string[] | undefined;
  if (opts.replay !== 'simulated') {
    if (!makeLive) {
      skipped.push('live replay and log rendering skipped: not available in this build');
    } else {
      const live = makeLive(unsafeSnapshots, opts.encoding ?? target.pickleEncoding);
      const r = await live.run(inputs, target, baseline, { trusted: new Set() }, progress);
      findings.push(...r.findings);
      done.push(...r.done);
      skipped.push(...r.skipped);
      if (r.findings.length > 0 || r.done.length > 0) engines.push('live');
      sandbox = r.sandbox;
      python = r.python;
      logs = r.logs;
    }
  } else if (opts.baseline) {
    skipped.push('rendered logs were not compared: --replay simulated renders nothing (use --replay both)');
  }
  if (target.model.parseErrors.length > 0) {
    skipped.push(
      `${target.model.parseErrors.length} file(s) of the target did not parse cleanly; what they define may be missed: ` +
        target.model.parseErrors.slice(0, 3).map((e) => `${e.file}:${e.line}`).join(', '),
    );
  }
  if (inputs.skippedFiles.length > 0) {
    done.push(`${inputs.skippedFiles.length} file(s) beside the snapshots are not snapshots (step logs and the like): not decoded`);
  }

  const report = buildReport({
    command: opts.command,
    snapshots: inputs.summaries,
    target: target.summary,
    ...(baseline ? { baseline: baseline.summary } : {}),
    checked: {
      engines,
      done,
      skipped,
      ...(sandbox ? { sandbox } : {}),
      ...(python ? { python } : {}),
    },
    findings,
    ...(logs ? { logs } : {}),
    failOn: opts.failOn,
    ...(opts.accept ? { accept: opts.accept } : {}),
  });
  return { report, inputs, target, ...(baseline ? { baseline } : {}) };
}
