// `rehearse ci`: check a corpus of snapshots (kept from old releases) against the release under
// test, one result per unit, with CI outputs (JUnit, SARIF) and accept files.
// Wiring only: the work is in src/ci, src/check and src/report.
import os from 'node:os';
import { Option, type Command } from 'commander';
import { collect, encodingOption, failOnOption, targetPythonOption } from './options.js';
import ora, { type Ora } from 'ora';
import type { Io } from '../io.js';
import { writeFileAtomic } from '../io.js';
import type { CommandResult } from '../cli.js';
import { UserError } from '../errors.js';
import { normaliseEncoding } from '../check/release.js';
import type { FailOn } from '../report/build.js';
import { acceptFromReport, loadAcceptFile, serializeAccept, type AcceptFile } from '../report/accept.js';
import { formatJunit } from '../report/junit.js';
import { formatSarif } from '../report/sarif.js';
import { discoverUnits, parseShard, shardUnits } from '../ci/units.js';
import { runCi } from '../ci/run.js';
import { formatCiJson, formatCiText, summarizeCi } from '../ci/output.js';

interface CiFlags {
  target: string;
  lib: string[];
  rename?: string;
  jobs?: string;
  shard?: string;
  junit?: string;
  sarif?: string;
  format: 'text' | 'json';
  failOn: FailOn;
  accept?: string;
  writeAccept?: string;
  targetPython?: '2' | '3';
  encoding?: string;
}


export function registerCi(program: Command, io: Io, result: CommandResult): void {
  program
    .command('ci')
    .description('check a corpus of snapshots against the release under test, one result per snapshot file or basedir, with JUnit/SARIF output')
    .argument('<glob...>', 'snapshot files, basedirs, or fast-glob patterns (quote them); a matched directory is one unit (a basedir)')
    .requiredOption('-t, --target <release>', 'the release under test: a source directory, sdist (.tar.gz) or wheel/zip')
    .option('--lib <dir>', 'extra search path for packages the release imports (repeatable)', collect, [])
    .option('--rename <file>', 'a rename map (zodbupdate format or JSON)')
    .option('-j, --jobs <n>', 'units checked at once (default: the number of cores)')
    .option('--shard <i/n>', 'check only shard i of n (1-based) of the sorted units, as a CI matrix does')
    .option('--junit <file>', 'write a JUnit XML report (one testcase per unit), atomically')
    .option('--sarif <file>', 'write a SARIF 2.1.0 log (locations relative to the target), atomically')
    .addOption(new Option('-f, --format <format>', 'what to print on stdout').choices(['text', 'json']).default('text'))
    .addOption(failOnOption('a unit fails when it has findings at or above this severity'))
    .option('--accept <file>', 'an accept file: findings it lists are shown but never fail; new ones do')
    .option('--write-accept <file>', 'write an accept file listing every current finding (reasons in --accept are kept)')
    .addOption(targetPythonOption())
    .addOption(encodingOption())
    .addHelpText(
      'after',
      `
Units: a file or directory named on the command line is one unit; a glob pattern gives one unit
per matched directory (a basedir: its pickles are checked together) and one per matched file
that is a snapshot (other files, such as step logs, are left out with a note). Matches inside a
matched directory are folded into it. Units are sorted; --shard i/n takes every n-th unit from
the i-th, so the n shards are disjoint and together hold every unit.

The target is indexed once and shared by all units. Snapshot names in reports and accept files
are qualified by their unit (basedir/runtests/0). A unit that cannot be read (not a snapshot,
corrupt, unsupported) is a failed unit: a load-exception error carrying its one-line reason.

Exit codes:
  0  no unit has findings at or above --fail-on (accepted findings never count)
  1  at least one unit fails: findings at or above --fail-on, or a unit cannot be read
  2  usage error, the target or accept file cannot be read, no unit matched, or no unit at all
     could be read (the JUnit/SARIF files are still written)

Examples:
  rehearse ci 'corpus/*' --target . --junit rehearse.xml
  rehearse ci 'corpus/**/*.tap' --target dist/app-2.0.tar.gz --shard 2/4 --sarif rehearse.sarif
  rehearse ci corpus/ --target . --write-accept rehearse-accept.json
  rehearse ci 'corpus/*' --target . --accept rehearse-accept.json --format json > ci.json`,
    )
    .action(async (patterns: string[], flags: CiFlags) => {
      result.exitCode = await runCiCommand(patterns, flags, io);
    });
}

function parseJobs(text: string | undefined): number {
  if (text === undefined) return os.availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--jobs ${JSON.stringify(text)}: expected a whole number of at least 1`);
  return n;
}

async function runCiCommand(patterns: string[], flags: CiFlags, io: Io): Promise<number> {
  const jobs = parseJobs(flags.jobs);
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;
  const accept: AcceptFile | undefined = flags.accept ? await loadAcceptFile(flags.accept) : undefined;
  const encoding = flags.encoding ? normaliseEncoding(flags.encoding) : undefined;
  const { units: all, notes } = await discoverUnits(patterns);
  for (const n of notes) io.err(`rehearse: ${n}\n`);
  if (all.length === 0) throw new UserError(`no unit matched ${patterns.join(' ')}`);
  const units = shardUnits(all, shard);

  const spinner: Ora | undefined = io.interactive ? ora({ stream: process.stderr }).start('starting') : undefined;
  let run;
  try {
    run = await runCi(
      units,
      {
        target: flags.target,
        libs: flags.lib,
        ...(flags.rename ? { renames: flags.rename } : {}),
        failOn: flags.failOn,
        ...(flags.targetPython ? { targetPython: Number(flags.targetPython) as 2 | 3 } : {}),
        ...(encoding ? { encoding } : {}),
        ...(accept ? { accept } : {}),
        jobs,
        command: ['rehearse', 'ci', ...process.argv.slice(3)].join(' '),
      },
      (text) => {
        if (spinner) spinner.text = text;
      },
    );
  } finally {
    spinner?.stop();
  }
  const { results, target } = run;
  const summary = summarizeCi(results);
  const failed = results.some((r) => r.report.summary.failed);
  const noneRead = results.length > 0 && summary.unreadable === results.length;
  const exitCode = noneRead ? 2 : failed ? 1 : 0;

  const named = results.map((r) => ({ name: r.unit.name, report: r.report }));
  if (flags.junit) await writeFileAtomic(flags.junit, formatJunit(named, { suiteName: 'rehearse ci' }));
  if (flags.sarif) await writeFileAtomic(flags.sarif, formatSarif(named, { releaseRoot: flags.target }));
  if (flags.writeAccept) {
    const merged = { ...results[0]!.report, findings: results.flatMap((r) => r.report.findings) };
    await writeFileAtomic(flags.writeAccept, serializeAccept(acceptFromReport(merged, accept)));
    io.err(`rehearse: accept file written to ${flags.writeAccept}${shard ? ` (shard ${shard.index}/${shard.count} only)` : ''}\n`);
  }
  io.out(
    flags.format === 'json'
      ? formatCiJson(results, { ...(shard ? { shard } : {}), target: target.summary, exitCode })
      : formatCiText(results, { color: io.color, ...(shard ? { shard } : {}), target: flags.target, ...(process.stdout.columns ? { width: process.stdout.columns } : {}) }),
  );
  if (noneRead) io.err(`rehearse: none of the ${results.length} unit(s) could be read: nothing was checked\n`);
  return exitCode;
}
