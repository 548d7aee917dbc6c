// Child process groups that must not outlive rehearse: live replay starts each Python in a
// group of its own (so a timeout kills everything it started); when rehearse itself is
// interrupted, those groups are killed too.
const groups = new Set<number>();

export function trackGroup(pid: number): void {
  groups.add(pid);
}

export function untrackGroup(pid: number): void {
  groups.delete(pid);
}

export function killAllGroups(): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}
