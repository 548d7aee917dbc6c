// `rehearse check` as its users meet it: formats that agree, output files, bad input, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, repoPath, tempDir } from '../helpers/run.js';

const BASEDIR = 'samples/tinybot/basedir';

const TARGET = 'samples/tinybot/releases/0.8';

interface JsonFinding {
  code: string;
  class?: string;
  attribute?: string;
  count: number;
}

test('text, markdown and json name the same findings', async () => {
  const json = await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated', '--format', 'json']);
  const md = await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated', '--format', 'markdown']);
  const text = await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated']);
  assert.equal(json.code, 1);
  assert.equal(md.code, 1);
  assert.equal(text.code, 1);
  const findings = (JSON.parse(json.stdout) as { findings: JsonFinding[] }).findings;
  assert.ok(findings.length >= 9);
  for (const f of findings) {
    for (const [name, out] of [['markdown', md.stdout], ['text', text.stdout]] as const) {
      assert.ok(out.includes(f.code), `${name} names ${f.code}`);
      if (f.class) assert.ok(out.includes(f.class), `${name} names ${f.class}`);
      if (f.attribute) assert.ok(out.includes(f.attribute), `${name} names ${f.attribute}`);
    }
  }
  assert.match(text.stdout.split('\n')[0]!, /^UNSAFE to upgrade in place: 6 errors, 2 warnings/);
  assert.match(md.stdout, /^# rehearse: UNSAFE/);
});

test('the same run twice gives byte-identical reports', async () => {
  const a = await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated', '--format', 'json']);
  const b = await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated', '--format', 'json']);
  assert.equal(a.stdout, b.stdout);
});

test('--output writes the report to a file and nothing to stdout', async () => {
  const dir = tempDir('rehearse-out-');
  const out = path.join(dir, 'sub', 'report.md');
  const r = await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated', '--format', 'markdown', '--output', out]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /^# rehearse: UNSAFE/);
  assert.deepEqual(readdirSync(path.dirname(out)), ['report.md'], 'no temporary file left beside it');
});

test('--fail-on never exits 0 with errors; --fail-on warning exits 1 on a warning-only run', async () => {
  const never = await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated', '--fail-on', 'never', '--format', 'json']);
  assert.equal(never.code, 0);
  // basedir-0.9 against 0.9 itself has no errors or warnings: 0 either way.
  const clean = await runCli(['check', 'samples/tinybot/basedir-0.9', '--target', 'samples/tinybot/releases/0.9', '--replay', 'simulated', '--fail-on', 'warning']);
  assert.equal(clean.code, 0, clean.stdout);
  // 0.8 has warnings (upgrade-gap, version-key-orphaned) besides errors: a fixed release has none.
  const fixed = await runCli(['check', BASEDIR, '--target', 'samples/tinybot/releases/0.8-fixed', '--replay', 'simulated', '--fail-on', 'warning', '--format', 'json']);
  const counts = (JSON.parse(fixed.stdout) as { summary: { counts: Record<string, number> } }).summary.counts;
  assert.equal(fixed.code, counts.warning! > 0 || counts.error! > 0 ? 1 : 0);
});

test('a corrupt pickle in a basedir stops the run: exit 2, one line naming the file and the byte offset', async () => {
  const dir = tempDir('rehearse-bad-');
  for (const f of ['runtests/0', 'runtests/builder']) {
    mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    copyFileSync(repoPath(BASEDIR, f), path.join(dir, f));
  }
  const good = readFileSync(repoPath(BASEDIR, 'runtests/0'));
  writeFileSync(path.join(dir, 'runtests/1'), good.subarray(0, 300));
  const r = await runCli(['check', dir, '--target', TARGET, '--replay', 'simulated']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '', 'no partial report');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^rehearse: .*runtests\/1: .* at byte \d+/);
});

test('a missing target is a usage error', async () => {
  const r = await runCli(['check', BASEDIR, '--target', 'no/such/release']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^rehearse: .*no\/such\/release/);
  const noTarget = await runCli(['check', BASEDIR]);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /--target/);
});

test('check leaves every file of the basedir as it was (bytes and mtime)', async () => {
  const before = new Map<string, [number, string]>();
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const f of walk(repoPath(BASEDIR))) before.set(f, [statSync(f).mtimeMs, readFileSync(f).toString('base64')]);
  await runCli(['check', BASEDIR, '--target', TARGET, '--replay', 'simulated', '--format', 'json']);
  for (const [f, [mtime, data]] of before) {
    assert.equal(statSync(f).mtimeMs, mtime, `${f} mtime`);
    assert.equal(readFileSync(f).toString('base64'), data, `${f} bytes`);
  }
});

test('a snapshot whose globals execute code: unsafe-global, never replayed live, nothing runs', async () => {
  const dir = tempDir('rehearse-unsafe-');
  copyFileSync(repoPath('test/fixtures/malicious/os-system-p0.pickle'), path.join(dir, 'builder'));
  const r = await runCli(['check', path.join(dir, 'builder'), '--target', repoPath(TARGET), '--format', 'json', '--python', '/usr/bin/python3'], { cwd: dir });
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as { findings: Array<JsonFinding & { evidence: Array<{ text?: string }> }>; checked: { skipped: string[] } };
  const unsafe = report.findings.find((f) => f.code === 'unsafe-global');
  assert.ok(unsafe, 'unsafe-global reported');
  assert.equal(unsafe.class, 'os.system');
  assert.match(unsafe.evidence[0]?.text ?? '', /touch rehearse-pwned-os-system-p0/);
  assert.ok(report.checked.skipped.some((s) => /not replayed live/.test(s)), report.checked.skipped.join('\n'));
  assert.deepEqual(readdirSync(dir), ['builder'], 'no marker file: nothing was executed');
});
