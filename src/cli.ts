// The command line: wires the parts together. Only this layer (and src/commands/) reads argv,
// prints, or decides exit codes.
import { Command, CommanderError } from 'commander';
import { UserError } from './errors.js';
import { processIo, type Io } from './io.js';
import { toolVersion } from './version.js';
import { cleanUpNow } from './cleanup.js';
import { registerInspect } from './commands/inspect.js';
import { registerRelease } from './commands/release.js';
import { registerCheck } from './commands/check.js';
import { registerCi } from './commands/ci.js';

export const EXIT = { clean: 0, findings: 1, usage: 2, internal: 3 } as const;

/** Commands set this to report their exit status (0 clean, 1 findings at/above --fail-on). */
export interface CommandResult {
  exitCode: number;
}

export function buildProgram(io: Io, result: CommandResult): Command {
  const program = new Command('rehearse')
    .description('Rehearse an in-place upgrade of a Python application from its pickled shutdown snapshot.')
    .version(toolVersion(), '-V, --version', 'print the version of rehearse')
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)')
    .option('--color', 'colour the output even when it is not a terminal')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(s),
    });
  registerInspect(program, io, result);
  registerRelease(program, io, result);
  registerCheck(program, io, result);
  registerCi(program, io, result);
  program.addHelpText(
    'after',
    `
Exit codes:
  0  nothing at or above --fail-on was found
  1  findings at or above --fail-on (default: error)
  2  usage or input error (bad option, unreadable or corrupt snapshot)
  3  internal error in rehearse (a bug: please report it)

Examples:
  rehearse check samples/tinybot/basedir --target samples/tinybot/releases/0.8
  rehearse inspect buildbot-shutdown.tap --tree --depth 3
  rehearse release samples/tinybot/releases/0.8 --class tinybot.status.builder.BuildStatus`,
  );
  return program;
}

/**
 * Ctrl-C or a TERM: kill the live-replay children and leave without writing anything. Reports
 * are written only at the end (stdout in one piece, files atomically), so an interrupted run
 * leaves no partial report that looks complete.
 */
function onInterrupt(io: Io): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUpNow();
      io.err(`rehearse: interrupted (${signal}); no report was written\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

export async function main(argv: string[], io: Io = processIo(argv)): Promise<number> {
  onInterrupt(io);
  const result: CommandResult = { exitCode: EXIT.clean };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync(argv);
    return result.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? EXIT.clean : EXIT.usage;
    }
    if (e instanceof UserError) {
      io.err(`rehearse: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = e as Error;
    if (process.env.REHEARSE_DEBUG) io.err(`${err.stack ?? String(err)}\n`);
    io.err(
      `rehearse: internal error: ${err.message ?? String(err)} (this is a bug in rehearse; ` +
        `set REHEARSE_DEBUG=1 for the stack trace and please report it)\n`,
    );
    return EXIT.internal;
  }
}
