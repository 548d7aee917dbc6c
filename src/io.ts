// The edge of the program: where output goes and how it is coloured. Commands get an Io;
// nothing below the commands prints.
import { Chalk, type ChalkInstance } from 'chalk';
import { promises as fs, rmSync } from 'node:fs';
import path from 'node:path';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colour for stdout (off when stdout is not a TTY, NO_COLOR is set, or --no-color). */
  color: ChalkInstance;
  /** True when stderr is an interactive terminal that can show a spinner. */
  interactive: boolean;
}

/** chalk 5 ignores NO_COLOR, and its own TTY check looks at stdout only: decide here. */
export function colourLevel(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, argv: string[]): 0 | 1 | 2 | 3 {
  if (argv.includes('--no-color') || 'NO_COLOR' in env) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') {
    const n = Number(force);
    return n === 2 ? 2 : n === 3 ? 3 : 1;
  }
  if (argv.includes('--color')) return 1;
  if (!stream.isTTY) return 0;
  return env.COLORTERM === 'truecolor' ? 3 : 2;
}

export function processIo(argv: string[] = process.argv): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    color: new Chalk({ level: colourLevel(process.stdout, process.env, argv) }),
    // ora loops forever when stderr is a TTY reporting 0 columns (measured): require a width.
    interactive: Boolean(process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && !process.env.CI),
  };
}

/** Temp files of writes in progress: removed if the process exits or is interrupted mid-write. */
const pendingTemps = new Set<string>();
let cleanupInstalled = false;

function removePendingTemps(): void {
  for (const f of pendingTemps) rmSync(f, { force: true });
  pendingTemps.clear();
}

/**
 * On exit, and on a signal, remove the temp files of unfinished writes. When nobody else
 * handles the signal, it is raised again so the process still dies the way it would have.
 */
function installTempCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', removePendingTemps);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      removePendingTemps();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

/**
 * Write a file atomically: a temp file beside it, flushed to disk, then renamed over it, so an
 * interrupted run never leaves a partial report that looks complete (nor a stray temp file).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  installTempCleanup();
  const dir = path.dirname(path.resolve(file));
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  pendingTemps.add(tmp);
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  } finally {
    pendingTemps.delete(tmp);
  }
}
