// Shared paths and checks for the live-replay tests (not a test file itself).
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoPath } from '../helpers/run.js';

export const LIVE = repoPath('test/fixtures/live');
export const APPS = path.join(LIVE, 'apps');
export const SHOP_SNAPSHOT = path.join(LIVE, 'shop', 'basedir', 'inventory.tap');
export { DEBIAN_PYTHON, NEEDS_TWISTED } from '../helpers/python.js';

/** The real executable behind a pyenv shim (the harness runs with a clean environment). */
export function pyenvExe(version: string, name: string): string | undefined {
  try {
    return execFileSync(name, ['-c', 'import sys; print(sys.executable)'], {
      env: { ...process.env, PYENV_VERSION: version },
      encoding: 'utf8',
      timeout: 20_000,
    }).trim();
  } catch {
    return undefined;
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}
