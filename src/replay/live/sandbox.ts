// The process-level sandbox layers: a network namespace (unshare -rn), a clean environment, a
// detached process group killed whole on a wall-clock timeout. The in-process layers (rlimits,
// audit hook, neutered process functions, allowlist) live in the harness.
import { spawn, execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trackGroup, untrackGroup } from '../../cleanup.js';

let netnsProbe: Promise<true | string> | undefined;

/** Whether `unshare -rn` works here (user + network namespace); a sentence when it does not. */
export function netnsAvailable(): Promise<true | string> {
  netnsProbe ??= new Promise((resolve) => {
    execFile('unshare', ['-rn', 'true'], { timeout: 10_000 }, (err, _out, stderr) => {
      if (!err) resolve(true);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') resolve('unshare not found');
      else resolve(`unshare -rn refused: ${String(stderr || err.message).trim().split('\n')[0]}`);
    });
  });
  return netnsProbe;
}

export interface SandboxedRun {
  exe: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  netns: boolean;
  /** Called for each stdout line, in order. */
  onLine: (line: string) => void;
}

export interface SandboxedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The last 16 kB of stderr (what the release printed, Python's own fatal errors). */
  stderrTail: string;
  /** Set when the process could not be started at all. */
  spawnError?: string;
}

const STDERR_KEEP = 16 * 1024;

export function runSandboxed(run: SandboxedRun): Promise<SandboxedExit> {
  return new Promise((resolve) => {
    const [cmd, argv] = run.netns ? ['unshare', ['-rn', run.exe, ...run.args]] : [run.exe, run.args];
    const child = spawn(cmd as string, argv as string[], {
      cwd: run.cwd,
      env: run.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout kills everything it started, not just the interpreter.
      detached: true,
    });
    if (child.pid !== undefined) trackGroup(child.pid);
    let stderrTail = '';
    let timedOut = false;
    let settled = false;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, run.timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderrTail = (stderrTail + d).slice(-STDERR_KEEP);
    });
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', run.onLine);
    const linesDone = new Promise<void>((r) => lines.once('close', () => r()));
    child.once('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut: false, stderrTail, spawnError: e.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // A grandchild that escaped the harness's own exit still dies with the group.
      killGroup();
      if (child.pid !== undefined) untrackGroup(child.pid);
      void linesDone.then(() => {
        if (settled) return;
        settled = true;
        resolve({ code, signal, timedOut, stderrTail });
      });
    });
  });
}
