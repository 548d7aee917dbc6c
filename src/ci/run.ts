// Checking a corpus of snapshots against one target: the target is indexed once and shared by
// every unit; a unit that cannot be read becomes a failed unit (a load-exception finding with its
// one-line error) instead of stopping the run. Prints nothing.
import { UserError } from '../errors.js';
import { runCheck, type CheckOptions } from '../check/run.js';
import { loadReleaseForCheck, type LoadedRelease } from '../check/release.js';
import { buildReport, type FailOn } from '../report/build.js';
import type { AcceptFile } from '../report/accept.js';
import type { Finding } from '../report/finding.js';
import type { Report } from '../report/report.js';
import type { Py2Encoding } from '../replay/simulated/replay.js';
import { qualify, type Unit } from './units.js';

export interface CiOptions {
  target: string;
  libs: string[];
  renames?: string;
  failOn: FailOn;
  targetPython?: 2 | 3;
  encoding?: Py2Encoding;
  accept?: AcceptFile;
  /** How many units are checked at once. */
  jobs: number;
  /** The command line, for each unit's report. */
  command: string;
}

export interface UnitResult {
  unit: Unit;
  report: Report;
  /** Set when the unit could not be read: its one-line error. */
  error?: string;
}

export interface CiRun {
  target: LoadedRelease;
  results: UnitResult[];
}

export async function runCi(units: readonly Unit[], opts: CiOptions, progress: (text: string) => void = () => {}): Promise<CiRun> {
  progress(`indexing target ${opts.target}`);
  const target = await loadReleaseForCheck({ path: opts.target, libs: opts.libs, ...(opts.renames ? { renames: opts.renames } : {}) });
  const results: UnitResult[] = new Array(units.length);
  let next = 0;
  let finished = 0;
  // A small async pool: units are taken in order, results kept in unit order.
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= units.length) return;
      results[i] = await checkUnit(units[i]!, target, opts);
      finished++;
      progress(`checked ${finished}/${units.length}: ${units[i]!.name}`);
    }
  };
  const jobs = Math.max(1, Math.min(opts.jobs, units.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  return { target, results };
}

async function checkUnit(unit: Unit, target: LoadedRelease, opts: CiOptions): Promise<UnitResult> {
  const base: CheckOptions = {
    inputs: [unit.path],
    target: opts.target,
    libs: opts.libs,
    failOn: opts.failOn,
    ...(opts.targetPython ? { targetPython: opts.targetPython } : {}),
    ...(opts.encoding ? { encoding: opts.encoding } : {}),
    replay: 'simulated',
    command: opts.command,
    loadedTarget: target,
  };
  try {
    const run = await runCheck(base);
    return { unit, report: qualifyReport(unit, run.report, opts) };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { unit, report: unreadableReport(unit, e.message, target, opts), error: e.message };
  }
}

/**
 * Snapshot names made unique across units (`basedir/runtests/0`, not `runtests/0` in every
 * basedir), then the accept file applied: its entries name snapshots the same way.
 */
function qualifyReport(unit: Unit, report: Report, opts: CiOptions): Report {
  const findings: Finding[] = report.findings.map((f) => {
    const { accepted: _a, ...rest } = f;
    void _a;
    return { ...rest, snapshots: f.snapshots.map((s) => qualify(unit, s)) };
  });
  return buildReport({
    command: report.command,
    snapshots: report.snapshots.map((s) => ({ ...s, file: qualify(unit, s.file) })),
    ...(report.target ? { target: report.target } : {}),
    checked: report.checked,
    findings,
    ...(report.logs ? { logs: report.logs } : {}),
    failOn: opts.failOn,
    ...(opts.accept ? { accept: opts.accept } : {}),
    tool: report.tool,
  });
}

/** An unreadable unit: a load-exception error finding carrying the one-line reason. */
export function unreadableReport(unit: Unit, error: string, target: LoadedRelease, opts: Pick<CiOptions, 'failOn' | 'accept' | 'command'>): Report {
  const finding: Finding = {
    code: 'load-exception',
    severity: 'error',
    message: `cannot be read: ${error}`,
    count: 1,
    paths: [],
    snapshots: [unit.name],
    evidence: [{ file: unit.name, role: 'note', text: error }],
    engines: ['simulated'],
  };
  return buildReport({
    command: opts.command,
    snapshots: [{ file: unit.name, size: 0, sha256: '', format: 'unknown', skipped: error }],
    target: target.summary,
    checked: { engines: [], done: [], skipped: [`${unit.name}: not checked: ${error}`] },
    findings: [finding],
    failOn: opts.failOn,
    ...(opts.accept ? { accept: opts.accept } : {}),
  });
}
