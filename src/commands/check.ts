// `rehearse check`: replay the load of a snapshot with a target release, report what breaks.
// Wiring only: the work is in src/check (orchestration), src/replay, src/report.
import { Option, type Command } from 'commander';
import { Chalk } from 'chalk';
import ora, { type Ora } from 'ora';
import type { Io } from '../io.js';
import { writeFileAtomic } from '../io.js';
import type { CommandResult } from '../cli.js';
import { runCheck, type ReplayMode } from '../check/run.js';
import { normaliseEncoding } from '../check/release.js';
import { exitCodeFor, type FailOn } from '../report/build.js';
import { formatText } from '../report/text.js';
import { formatMarkdown } from '../report/markdown.js';
import { formatJson } from '../report/json.js';
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
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

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
    .addOption(new Option('--fail-on <severity>', 'exit 1 when findings at or above this severity exist').choices(['error', 'warning', 'info', 'never']).default('error'))
    .addOption(new Option('--target-python <major>', "the target's Python major version (default: inferred from its syntax)").choices(['2', '3']))
    .addOption(
      new Option('--encoding <name>', "how a Python 3 target decodes Python 2 strings: pickle.load's encoding= (default: what the target's source passes, else ASCII)").choices([
        'ASCII',
        'latin1',
        'utf-8',
        'bytes',
      ]),
    )
    .addOption(new Option('--replay <engine>', 'which replay to run').choices(['simulated', 'live', 'both']).default('simulated'));
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
    );
    report = run.report;
  } finally {
    spinner?.stop();
  }
  // --bundle / --redact (src/bundle): the bundle folder, and redaction of the printed report.
  report = redactForOutput(report, flags);
  await bundleAfterCheck(run, flags, io);
  const text =
    flags.format === 'json'
      ? formatJson(report)
      : flags.format === 'markdown'
        ? formatMarkdown(report)
        : formatText(report, { color: flags.output ? new Chalk({ level: 0 }) : io.color, ...(flags.output ? {} : { width: process.stdout.columns }) });
  if (flags.output) {
    await writeFileAtomic(flags.output, text);
    io.err(`rehearse: report written to ${flags.output} (${report.summary.verdict})\n`);
  } else {
    io.out(text);
  }
  return exitCodeFor(report);
}
