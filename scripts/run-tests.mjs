#!/usr/bin/env node
// Runs every compiled test file with node's own test runner.
// Node 20's `--test` does not expand globs, and given no files it can exit 0 having run
// nothing; so we list the files ourselves and refuse an empty list.
import fg from 'fast-glob';
import { spawnSync } from 'node:child_process';

const files = (await fg('dist/test/**/*.test.js', { ignore: ['dist/test/fuzz/**'] })).sort();
if (files.length === 0) {
  console.error('run-tests: no compiled test files under dist/test (did the build run?)');
  process.exit(1);
}
const extra = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...extra, ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
