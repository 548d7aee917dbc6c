import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './helpers/run.js';

test('--version prints the package version and exits 0', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('an unknown command is a usage error: exit 2, one line on stderr', async () => {
  const r = await runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: .*\n\(run with --help for usage\)\n$/);
});
