// The `check` options that belong to bundles and redaction, kept here so `check` gains them with
// two calls. This is command-layer code (it reads flags and writes to the Io).
import type { Command } from 'commander';
import { collect } from '../commands/options.js';
import type { Io } from '../io.js';
import type { CheckRun } from '../check/run.js';
import { normaliseEncoding } from '../check/release.js';
import type { Report } from '../report/report.js';
import { redactReport } from '../report/redact.js';
import { makeBundle, writeBundle } from './bundle.js';

export interface BundleFlags {
  bundle?: string;
  /** true: --redact, false: --no-redact, undefined: neither (on for bundles, off for stdout). */
  redact?: boolean;
  redactValue: string[];
  targetPython?: '2' | '3';
  encoding?: string;
}


export function addBundleOptions(cmd: Command): void {
  cmd
    .option('--bundle <dir>', 'also write a folder to attach to a bug mail: report.md, report.json, command.txt, versions.json, and repro/ with a minimized snapshot per file with errors')
    .option('--redact', 'replace values of secret-looking attributes (password, token, key, auth, cookie, …) and --redact-value strings (default in --bundle)')
    .option('--no-redact', 'do not redact the bundle')
    .option('--redact-value <s>', 'a string to remove wherever it appears (repeatable); implies --redact for the printed report', collect, []);
}

function redactValues(flags: BundleFlags): string[] {
  return flags.redactValue.filter((v) => v.length > 0);
}

/** The printed report: redacted when --redact or --redact-value says so (never by default). */
export function redactForOutput(report: Report, flags: BundleFlags): Report {
  const on = flags.redact ?? redactValues(flags).length > 0;
  return on ? redactReport(report, { values: redactValues(flags) }) : report;
}

export async function bundleAfterCheck(run: CheckRun, flags: BundleFlags, io: Io): Promise<void> {
  if (!flags.bundle) return;
  const encoding = flags.encoding ? normaliseEncoding(flags.encoding) : undefined;
  const bundle = makeBundle(run, {
    redact: flags.redact ?? true,
    redactValues: redactValues(flags),
    argv: process.argv.slice(2),
    ...(flags.targetPython ? { targetPython: Number(flags.targetPython) as 2 | 3 } : {}),
    ...(encoding ? { encoding } : {}),
  });
  await writeBundle(flags.bundle, bundle);
  const shrink = bundle.repros.map((r) => `${r.snapshot} ${r.originalBytes}→${r.reproBytes} B`).join(', ');
  io.err(
    `rehearse: bundle written to ${flags.bundle} (${bundle.files.length} files${bundle.repros.length ? `; repro: ${shrink}` : ''}` +
      `${flags.redact === false ? '; NOT redacted' : ''})\n`,
  );
  const bad = bundle.repros.filter((r) => r.notReproduced.length > 0);
  for (const r of bad) io.err(`rehearse: warning: the repro of ${r.snapshot} does not reproduce ${r.notReproduced.join(', ')}\n`);
}
