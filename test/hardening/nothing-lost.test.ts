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
  {
    name: 'check (simulated and live replay)',
    args: (d) => ['check', d, '--target', repoPath('samples', 'tinybot', 'releases', '0.8')],
    okCodes: [0, 1],
    base: repoPath('samples', 'tinybot', 'basedir'),
  },
];

/** A copy of a basedir (the inspect fixtures' Buildbot-like one by default), plus hostile and broken files. */
async function makeBasedir(base = repoPath('test', 'fixtures', 'snapshots', 'basedir')): Promise<string> {
  const dir = await copyBasedir(base);
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
  const first = (await fs.readdir(dir)).sort()[0]!;
  await fs.utimes(path.join(dir, first), old, old);
  await fs.symlink(first, path.join(dir, 'first-link'));
  return dir;
}

for (const c of COMMANDS_UNDER_TEST) {
  test(`nothing lost: ${c.name} leaves the basedir byte-for-byte and mtime-for-mtime`, async () => {
    const dir = await makeBasedir(c.base);
    try {
      const before = await snapshotTree(dir);
      assert.ok(before.size >= 8, `${before.size} entries`);
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
    const closed = new Promise((r) => child.once('close', r));
    child.stdout.resume();
    child.stderr.resume();
    await new Promise((r) => child.once('spawn', r));
    child.kill('SIGINT');
    await closed;
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
  const closed = new Promise((r) => child.once('close', r));
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
  await closed;
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

test('writeFileAtomic: no temp file is left behind after SIGINT', async () => {
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

const TINYBOT = repoPath('samples', 'tinybot');

test('check -o REPORT interrupted by SIGINT: the report is whole or absent, no temp file, basedir intact', async () => {
  // The plain sample basedir: with a corrupt pickle beside it, check stops early with exit 2.
  const dir = await copyBasedir(path.join(TINYBOT, 'basedir'));
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-report-'));
  try {
    const before = await snapshotTree(dir);
    const report = path.join(out, 'report.md');
    const child = spawn(process.execPath, [BIN, 'check', dir, '--target', path.join(TINYBOT, 'releases', '0.8'), '-o', report], {
      cwd: out, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
    });
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('close', (code, signal) => r([code, signal])));
    let stderr = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Let it start its work (open, decode, the release model), then interrupt. Wherever the
    // signal lands, the invariants below must hold.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const [code, signal] = await closed;
    const left = readdirSync(out);
    if (signal === 'SIGINT') {
      // On a loaded machine the signal can land before the CLI has set up its handler: node's
      // default action, nothing written.
      assert.deepEqual(left, [], 'no report and no temp file after an interrupted run');
    } else if (code === 130) {
      assert.match(stderr, /interrupted/);
      assert.deepEqual(left, [], 'no report and no temp file after an interrupted run');
    } else {
      assert.ok(code === 0 || code === 1, `exit ${code}: ${stderr}`);
      assert.deepEqual(left, ['report.md']);
      assert.match(await fs.readFile(report, 'utf8'), /\S/);
    }
    assert.deepEqual(diffTrees(before, await snapshotTree(dir)), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(out, { recursive: true, force: true });
  }
});

test('check never runs a hostile snapshot: live replay refuses it, the payload leaves no trace', async () => {
  const dir = await copyBasedir(path.join(TINYBOT, 'basedir'));
  const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-outside-'));
  const marker = path.join(outside, 'pwned');
  try {
    // An absolute marker path: a payload run in any temp dir of the live replay still shows here.
    const cmd = `touch ${marker}`;
    await fs.writeFile(path.join(dir, 'evil.tap'), Buffer.from(`cos\nsystem\n(S'${cmd}'\ntR.`, 'latin1'));
    const r = await runCli(['check', dir, '--target', path.join(TINYBOT, 'releases', '0.8'), '--format', 'json'], { cwd: outside });
    assert.notEqual(r.code, 3, r.stderr);
    assert.equal(readdirSync(outside).includes('pwned'), false, 'the payload ran');
    assert.match(r.stdout, /unsafe-global/);
    assert.ok(r.stdout.includes(cmd), 'the call is shown with its argument');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
  }
});
