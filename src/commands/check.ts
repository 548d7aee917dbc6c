// `rehearse check`: replay the load of a snapshot with a target release, report what breaks.
// Wiring only: the work is in src/check (orchestration), src/replay, src/report.
import { Option, type Command } from 'commander';
import os from 'node:os';
import path from 'node:path';
import { Chalk } from 'chalk';
import ora, { type Ora } from 'ora';
import type { Io } from '../io.js';
import { writeFileAtomic } from '../io.js';
import type { CommandResult } from '../cli.js';
import { runCheck, type ReplayMode } from '../check/run.js';
import { normaliseEncoding } from '../check/release.js';
import { liveEngine } from '../check/live.js';
import { UserError } from '../errors.js';
import { collect, encodingOption, failOnOption, positiveInt, targetPythonOption } from './options.js';
import { BUILDBOT_PROFILE, loadLogProfile, profileFromOptions, type LogProfile, type Normalisation } from '../logs/index.js';
import { exitCodeFor, type FailOn } from '../report/build.js';
import { renderReport } from '../report/render.js';
import type { Report } from '../report/report.js';
import { addBundleOptions, bundleAfterCheck, redactForOutput, type BundleFlags } from '../bundle/command.js';

interface CheckFlags {
  target: string;
  baseline?: string;
  lib: string[];
  rename?: string;
  format: 'text' | 'markdown' | 'json';
  output?: string;
  failOn: FailOn;
  targetPython?: '2' | '3';
  replay: ReplayMode;
  encoding?: string;
  python?: string;
  baselinePython?: string;
  probe: string[];
  logClass?: string;
  renderMethod?: string;
  logProfile?: string;
  logDiffs: string;
  logNormalise: Normalisation;
  outputDir?: string;
  trustSnapshot?: boolean;
  timeout: number;
  memory: number;
  liveMax: string;
}


async function logProfileOf(flags: CheckFlags): Promise<LogProfile> {
  if (flags.logProfile) {
    if (flags.logClass || flags.renderMethod) throw new UserError('--log-profile cannot be combined with --log-class/--render-method');
    return loadLogProfile(flags.logProfile);
  }
  if (flags.logClass || flags.renderMethod) {
    if (!flags.logClass || !flags.renderMethod) throw new UserError('--log-class and --render-method go together');
    return profileFromOptions(flags.logClass, flags.renderMethod);
  }
  return BUILDBOT_PROFILE;
}

export function registerCheck(program: Command, io: Io, result: CommandResult): void {
  const cmd = program
    .command('check')
    .description('replay the loading of snapshots with a target release and report what the upgrade would break')
    .argument('<snapshot...>', 'snapshot files, basedirs (searched recursively) or glob patterns')
    .requiredOption('-t, --target <release>', 'the release about to be installed: a source directory, sdist (.tar.gz) or wheel/zip')
    .option('-b, --baseline <release>', 'the release that wrote the snapshot (needed to diff rendered logs)')
    .option('--lib <dir>', 'extra search path for packages the release imports (repeatable), e.g. a Twisted checkout', collect, [])
    .option('--rename <file>', 'a rename map (zodbupdate format: "old.module Old = new.module New" lines, or JSON)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'markdown', 'json']).default('text'))
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of stdout')
    .addOption(failOnOption('exit 1 when findings at or above this severity exist'))
    .addOption(targetPythonOption())
    .addOption(encodingOption())
    .addOption(new Option('--replay <engine>', 'which replay to run (both: live too when a usable Python is found)').choices(['simulated', 'live', 'both']).default('both'))
    .option('--python <exe>', "the target's Python for live replay (default: python3, python, then /usr/bin/python3: the first that can import Twisted when the release needs it)")
    .option('--baseline-python <exe>', "the baseline's Python for rendering logs (default: the target's)")
    .option('--probe <module.Class.method>', 'a zero-argument method to call on every loaded instance of the class (repeatable)', collect, [])
    .option('--log-class <module.Class>', 'objects of this class (fnmatch pattern) are logs (default: Buildbot-style *LogFile)')
    .option('--render-method <name>', 'how a log renders itself, with --log-class')
    .option('--log-profile <file>', 'a JSON log profile (classes, render methods, attributes to attach)')
    .option('--log-diffs <n|all>', 'how many differing logs show a unified diff in the report', '3')
    .addOption(new Option('--log-normalise <mode>', 'normalise renders before diffing (html: unescape entities, ignore span boundaries)').choices(['none', 'html']).default('none'))
    .option('--output-dir <dir>', 'write the full diff of every differing log there')
    .option('--trust-snapshot', 'replay live even a snapshot whose globals would execute code (only for snapshots you trust)')
    .option('--live-max <n|all>', 'replay at most N snapshot files live (one Python process each): non-build files first, then the newest builds of each folder', '100')
    .option('--timeout <seconds>', 'wall-clock limit of each live replay process', positiveInt, 120)
    .option('--memory <MB>', 'address-space limit of each live replay process', positiveInt, 2048);
  addBundleOptions(cmd);
  cmd
    .addHelpText(
      'after',
      `
The simulated replay decodes the snapshot without executing anything, indexes the target's Python
source, and simulates pickle's class lookup and Twisted's styles.Versioned upgrade. The snapshot
is never modified.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.

Examples:
  rehearse check samples/tinybot/basedir --target samples/tinybot/releases/0.8
  rehearse check master/ --target buildbot-0.8.4.tar.gz --format markdown -o report.md
  rehearse check master/builder1/12 --target ./src --lib ~/twisted --fail-on warning
  rehearse check snapshot.tap --target new/ --format json | jq '.findings[].code'`,
    )
    .action(async (inputs: string[], flags: CheckFlags & BundleFlags) => {
      result.exitCode = await runCheckCommand(inputs, flags, io);
    });
}

async function runCheckCommand(inputs: string[], flags: CheckFlags & BundleFlags, io: Io): Promise<number> {
  const logDiffs = flags.logDiffs === 'all' ? 'all' : Number(flags.logDiffs);
  if (logDiffs !== 'all' && (!Number.isInteger(logDiffs) || logDiffs < 0)) throw new UserError(`--log-diffs: expected a number or 'all', got ${flags.logDiffs}`);
  const logProfile = await logProfileOf(flags);
  const liveMax = flags.liveMax === 'all' ? Infinity : Number(flags.liveMax);
  if (!(liveMax === Infinity || (Number.isInteger(liveMax) && liveMax > 0))) throw new UserError(`--live-max: expected a number above 0 or 'all', got ${flags.liveMax}`);
  const spinner: Ora | undefined = io.interactive ? ora({ stream: process.stderr }).start('starting') : undefined;
  let report: Report;
  let run: Awaited<ReturnType<typeof runCheck>>;
  try {
    run = await runCheck(
      {
        inputs,
        target: flags.target,
        ...(flags.baseline ? { baseline: flags.baseline } : {}),
        libs: flags.lib,
        ...(flags.rename ? { renames: flags.rename } : {}),
        failOn: flags.failOn,
        ...(flags.targetPython ? { targetPython: Number(flags.targetPython) as 2 | 3 } : {}),
        replay: flags.replay,
        ...(flags.encoding ? { encoding: normaliseEncoding(flags.encoding)! } : {}),
        command: ['rehearse', 'check', ...process.argv.slice(3)].join(' '),
      },
      (text) => {
        if (spinner) spinner.text = text;
      },
      (flagged, encoding) =>
        liveEngine({
          ...(flags.python ? { python: flags.python } : {}),
          ...(flags.baselinePython ? { baselinePython: flags.baselinePython } : {}),
          probes: flags.probe,
          logProfile,
          normalise: flags.logNormalise,
          logDiffs: flags.outputDir ? 'all' : logDiffs,
          trusted: flags.trustSnapshot === true,
          flagged,
          ...(encoding ? { encoding } : {}),
          timeoutMs: flags.timeout * 1000,
          memoryMB: flags.memory,
          concurrency: Math.max(1, Math.min(4, os.availableParallelism())),
          maxFiles: liveMax,
        }),
    );
    report = run.report;
  } finally {
    spinner?.stop();
  }
  if (flags.outputDir) {
    await writeLogDiffs(flags.outputDir, report);
    if (logDiffs !== 'all') report = limitDiffs(report, logDiffs);
  }
  // --bundle / --redact (src/bundle): the bundle folder, and redaction of the printed report.
  report = redactForOutput(report, flags);
  await bundleAfterCheck(run, flags, io);
  const text = renderReport(flags.format, report, {
    color: flags.output ? new Chalk({ level: 0 }) : io.color,
    ...(flags.output ? {} : { width: process.stdout.columns }),
  });
  if (flags.output) {
    await writeFileAtomic(flags.output, text);
    io.err(`rehearse: report written to ${flags.output} (${report.summary.verdict})\n`);
  } else {
    io.out(text);
  }
  return exitCodeFor(report);
}

/** One `.diff` file per differing log, named after its snapshot and object path. */
async function writeLogDiffs(dir: string, report: Report): Promise<void> {
  for (const log of report.logs ?? []) {
    if (!log.diff) continue;
    const name = `${log.snapshot}__${log.path}`.replace(/[^A-Za-z0-9._-]+/g, '_') + '.diff';
    await writeFileAtomic(path.join(dir, name), log.diff);
  }
}

/** Keep the unified diff of the first `n` differing logs only (the rest are in --output-dir). */
function limitDiffs(report: Report, n: number): Report {
  let shown = 0;
  return {
    ...report,
    ...(report.logs
      ? {
          logs: report.logs.map((l) => {
            if (!l.diff) return l;
            if (shown++ < n) return l;
            const { diff: _diff, ...rest } = l;
            return rest;
          }),
        }
      : {}),
  };
}
