// Ctrl-C during a live replay: rehearse kills its sandboxed children, writes no report, and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, REPO, isAlive } from '../helpers/run.js';
import { NEEDS_TWISTED } from '../helpers/python.js';

/** Pids of every process descended from `root` (read from /proc: ppid is field 4 of stat). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const p = frontier.pop()!;
    for (const [pid, ppid] of parent) {
      if (ppid === p) {
        out.push(pid);
        frontier.push(pid);
      }
    }
  }
  return out;
}

function isPython(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('rehearse_harness');
  } catch {
    return false;
  }
}

/** Poll until `cond` holds, for at most `limitMs` (a bound, not a timing assumption). */
async function until(cond: () => boolean, limitMs: number): Promise<boolean> {
  for (let waited = 0; waited < limitMs; waited += 50) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

test('SIGINT kills the live replay children, removes their sandbox and leaves no report', { skip: NEEDS_TWISTED }, async () => {
  const child = spawn(
    process.execPath,
    [BIN, 'check', 'test/fixtures/live/evil/attack-sleep.pickle', '--target', 'test/fixtures/live/apps/evil', '--replay', 'live', '--python', '/usr/bin/python3', '--timeout', '600'],
    { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    let harness: number[] = [];
    assert.ok(
      await until(() => (harness = descendants(child.pid!).filter(isPython)).length > 0, 60_000),
      `the harness started (stderr: ${stderr})`,
    );
    // The sandbox's temporary directory, from the harness's command line (…/rehearse-live-X/config.json).
    const sandboxDirs = harness
      .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((a) => a.endsWith('config.json')))
      .filter((a): a is string => a !== undefined)
      .map((a) => path.dirname(a));
    assert.ok(sandboxDirs.length > 0);
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130);
    assert.equal(stdout, '', 'no report');
    assert.match(stderr, /interrupted \(SIGINT\); no report was written/);
    assert.ok(await until(() => harness.every((pid) => !isAlive(pid)), 10_000), 'no sandboxed process left behind');
    for (const d of sandboxDirs) assert.equal(existsSync(d), false, `${d} removed`);
  } finally {
    child.kill('SIGKILL');
  }
});
