// Golden files: the expected output of a formatter, committed under test/fixtures/report/.
// UPDATE_GOLDEN=1 rewrites them (then review the diff: that is the point).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from '../helpers/run.js';

export const GOLDEN_DIR = repoPath('test', 'fixtures', 'report');

export function assertGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${name} is missing: run with UPDATE_GOLDEN=1 to create it`);
  const expected = readFileSync(file, 'utf8');
  assert.equal(actual, expected, `${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`);
}
