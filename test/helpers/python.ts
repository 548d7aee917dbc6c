// The machine's Pythons, for tests that run real interpreters.
import { execFileSync } from 'node:child_process';

/** Debian's python3: the one with Twisted (python3-twisted) on these machines and in CI. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export function hasTwisted(): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import twisted.persisted.styles'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Pass as `{ skip }` to tests that need Twisted: a clear message when it is missing. */
export const NEEDS_TWISTED: string | false = hasTwisted() ? false : `${DEBIAN_PYTHON} cannot import twisted (apt-get install python3-twisted)`;
