// Nothing lost: a command run on a basedir leaves every file there with its bytes, mtime and mode,
// and adds nothing — also when it is interrupted. And a report written with writeFileAtomic is
// whole or absent, never partial, when the writer is killed.
//
// To cover a new command, add it to COMMANDS_UNDER_TEST (the lead: add `check` when it lands).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, repoPath, runCli } from '../helpers/run.js';
import { copyBasedir, diffTrees, snapshotTree, type CommandUnderTest } from './helpers.js';

export const COMMANDS_UNDER_TEST: CommandUnderTest[] = [
  { name: 'inspect', args: (d) => ['inspect', d], okCodes: [0] },
  { name: 'inspect --json', args: (d) => ['inspect', '--json', d], okCodes: [0] },
  { name: 'inspect --tree', args: (d) => ['inspect', '--tree', '--depth', '3', d], okCodes: [0] },
  { name: 'inspect --partial', args: (d) => ['inspect', '--partial', d], okCodes: [0] },
  // e.g. { name: 'check', args: (d) => ['check', d, '--target', repoPath('samples', 'flock', 'releases', 'v2')], okCodes: [0, 1] },
];

/** The Buildbot-like basedir of the inspect fixtures, plus hostile and broken files beside it. */
async function makeBasedir(): Promise<string> {
  const dir = await copyBasedir(repoPath('test', 'fixtures', 'snapshots', 'basedir'));
  const extra = path.join(dir, 'hostile');
  await fs.mkdir(extra);
  for (const f of ['os-system-p0.pickle', 'build-setstate-newobj-p2.pickle', 'pickle-loads-p3.pickle']) {
    await fs.copyFile(repoPath('test', 'fixtures', 'malicious', f), path.join(extra, f));
  }
  for (const f of ['frame-overrun.pickle', 'billion-laughs-memo.pickle']) {
    await fs.copyFile(repoPath('test', 'fixtures', 'bombs', f), path.join(extra, f));
  }
  // Read-only files and an old mtime: a tool that "touches" or rewrites them would show.
  const ro = path.join(extra, 'os-system-p0.pickle');
  await fs.chmod(ro, 0o444);
  const old = new Date('2011-03-04T05:06:07Z');
  await fs.utimes(path.join(dir, 'full', 'builder'), old, old);
  await fs.symlink('full/builder', path.join(dir, 'builder-link'));
  return dir;
}

for (const c of COMMANDS_UNDER_TEST) {
  test(`nothing lost: ${c.name} leaves the basedir byte-for-byte and mtime-for-mtime`, async () => {
    const dir = await makeBasedir();
    try {
      const before = await snapshotTree(dir);
      assert.ok(before.size >= 15, `${before.size} entries`);
      const r = await runCli(c.args(dir), { cwd: dir });
      // Hostile and broken files are in the basedir: the command may report them, it must not
      // change anything, whatever its exit code.
      assert.notEqual(r.code, 3, `internal error: ${r.stderr}`);
      assert.ok(c.okCodes.includes(r.code ?? -1) || r.code === 2, `exit ${r.code}: ${r.stderr}`);
      assert.deepEqual(diffTrees(before, await snapshotTree(dir)), []);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

test('nothing lost: inspect interrupted by SIGINT leaves the basedir intact', async () => {
  const dir = await makeBasedir();
  try {
    // Something big enough that the run is still going when the signal comes.
    const big = path.join(dir, 'big.pickle.gz');
    await fs.copyFile(repoPath('test', 'fixtures', 'bombs', 'deep-list-1e6.pickle.gz'), big);
    const before = await snapshotTree(dir);
    const child = spawn(process.execPath, [BIN, 'inspect', '--tree', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout.resume();
    child.stderr.resume();
    await new Promise((r) => child.once('spawn', r));
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
    assert.deepEqual(diffTrees(before, await snapshotTree(dir)), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

const ATOMIC_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'atomic-child.js');

async function killMidWrite(signal: NodeJS.Signals): Promise<{ dir: string; target: string; size: number }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-atomic-'));
  const target = path.join(dir, 'report.json');
  const size = 16 * 1024 * 1024;
  const child = spawn(process.execPath, [ATOMIC_CHILD, target, String(size)], { stdio: 'ignore' });
  // Wait for a completed write and then for a write in progress (its temp file), and kill then.
  // No timing: the invariant checked afterwards must hold whenever the signal lands.
  let sawTarget = false;
  for (;;) {
    const names = readdirSync(dir);
    if (names.includes('report.json')) sawTarget = true;
    if (sawTarget && names.some((n) => n.endsWith('.tmp'))) break;
    await new Promise((r) => setImmediate(r));
  }
  child.kill(signal);
  await new Promise((r) => child.once('close', r));
  return { dir, target, size };
}

for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  test(`writeFileAtomic: killed by ${signal} mid-write, the report is whole, never partial`, async () => {
    const { dir, target, size } = await killMidWrite(signal);
    try {
      const data = await fs.readFile(target);
      assert.equal(data.length, size, 'whole length');
      const first = data[0]!;
      assert.ok(first === 0x41 || first === 0x42);
      assert.equal(data.indexOf(first === 0x41 ? 0x42 : 0x41), -1, 'one content, not a mix');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

test('writeFileAtomic: no temp file is left behind after SIGINT', {
  todo: 'reported (lead, src/io.ts / cli.ts): on SIGINT node exits without running the catch, leaving .report.json.<pid>.<time>.tmp',
}, async () => {
  const { dir } = await killMidWrite('SIGINT');
  try {
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('inspect on a hostile basedir prints its report to stdout and writes no file', async () => {
  const dir = await makeBasedir();
  try {
    const before = await snapshotTree(dir);
    const r = await runCli(['inspect', dir], { cwd: dir });
    assert.match(r.stdout, /unsafe-global/);
    assert.deepEqual(diffTrees(before, await snapshotTree(dir)), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
