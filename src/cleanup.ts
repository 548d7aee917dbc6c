// What must not outlive rehearse when it is interrupted: live replay starts each Python in a
// process group of its own (so a timeout kills everything it started) inside a temporary
// directory. On Ctrl-C the CLI kills those groups and removes those directories.
import { rmSync } from 'node:fs';

const groups = new Set<number>();
const tempDirs = new Set<string>();

export function trackGroup(pid: number): void {
  groups.add(pid);
}

export function untrackGroup(pid: number): void {
  groups.delete(pid);
}

export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
}

export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
}

/** Kill every tracked process group, then remove every tracked temporary directory. */
export function cleanUpNow(): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
