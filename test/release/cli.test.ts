import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run.js';

const PY2APP = 'test/fixtures/releases/py2app';
const PY3APP = 'test/fixtures/releases/py3app';

test('rehearse release: classes with MRO, Versioned versions and gaps, where defined', async () => {
  const r = await runCli(['release', PY2APP]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^release test\/fixtures\/releases\/py2app\n  7 files, 83 lines, 7 modules, 4 classes; Python 2;/);
  assert.match(r.stdout, /\nparse errors: none\n/);
  assert.match(
    r.stdout,
    /  bb\.status\.builder\.BuildStatus  bb\/status\/builder\.py:8\n    mro: bb\.status\.builder\.BuildStatus → twisted\.persisted\.styles\.Versioned\n    Versioned: persistenceVersion 3, key bb\.status\.builder\.BuildStatus\.persistenceVersion\n      upgrades: upgradeToVersion1, upgradeToVersion3; no method for step 2\n/,
  );
});

test('rehearse release is deterministic apart from the indexing time', async () => {
  const a = await runCli(['release', PY3APP, '--json']);
  const b = await runCli(['release', PY3APP, '--json']);
  const strip = (s: string) => s.replace(/"millis": \d+/, '"millis": 0');
  assert.equal(strip(a.stdout), strip(b.stdout));
  const v = JSON.parse(a.stdout) as { classes: Array<{ key: string; pickleName: string }>; parseErrors: unknown[] };
  assert.deepEqual(v.parseErrors, []);
  assert.equal(v.classes.find((c) => c.key === 'app.models.Renamed')?.pickleName, 'app.oldplace.Renamed');
});

test('--class shows set/read/guarded/deleted facts with file:line, and sets from outside', async () => {
  const r = await runCli(['release', PY2APP, '--class', 'bb.status.builder.BuildStatus']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n  sourceStamp\n    del      bb\.status\.builder\.BuildStatus\.upgradeToVersion1  bb\/status\/builder\.py:23  del self\.sourceStamp\n    guarded  bb\.status\.builder\.BuildStatus\.upgradeToVersion1  bb\/status\/builder\.py:21 \(hasattr\)/);
  assert.match(r.stdout, /\n    read     bb\.status\.builder\.BuildStatus\.getBuilder  bb\/status\/builder\.py:38  return self\.builder\n/);
  assert.match(r.stdout, /\n  builder  bb\/status\/builder\.py:60  b \(class not known\)  b\.builder = self\n/);
  const j = await runCli(['release', PY2APP, '--class', 'bb.status.builder.BuildStatus', '--json']);
  const d = JSON.parse(j.stdout) as { facts: { attrs: Record<string, { reads: unknown[]; guardedReads: unknown[] }> }; upgradeChain: string[] };
  assert.equal(d.facts.attrs.results_text!.guardedReads.length, 1);
  assert.equal(d.facts.attrs.results_text!.reads.length, 0);
  assert.deepEqual(d.upgradeChain, ['bb.status.builder.BuildStatus']);
});

test('--resolve: exit 0 found (with the chain and version key), 1 missing or not known, 2 bad input', async () => {
  const ok = await runCli(['release', PY2APP, '--resolve', 'bb.status.builder:BuildStatus']);
  assert.equal(ok.code, 0);
  assert.equal(
    ok.stdout,
    'bb.status.builder:BuildStatus\n  found: class bb.status.builder.BuildStatus  bb/status/builder.py:8\n    via bb/status/builder.py:8 class BuildStatus(styles.Versioned):\n    version key: bb.status.builder.BuildStatus.persistenceVersion\n',
  );
  const missingClass = await runCli(['release', PY2APP, '--resolve', 'bb.status.builder:Gone']);
  assert.equal(missingClass.code, 1);
  assert.match(missingClass.stdout, /NOT FOUND: module bb\.status\.builder exists but has no Gone/);
  const missingModule = await runCli(['release', PY2APP, '--resolve', 'bb.status.gone:X']);
  assert.equal(missingModule.code, 1);
  assert.match(missingModule.stdout, /NOT FOUND: module bb\.status\.gone does not exist/);
  const unknown = await runCli(['release', PY2APP, '--resolve', 'twisted.spread.pb:Referenceable', '--json']);
  assert.equal(unknown.code, 1);
  assert.equal((JSON.parse(unknown.stdout) as { resolution: { status: string } }).resolution.status, 'unknown');
  const dyn = await runCli(['release', PY3APP, '--resolve', 'app.dyn:Made']);
  assert.equal(dyn.code, 1);
  assert.match(dyn.stdout, /not statically known: globals\(\)\[…\] assignment at app\/dyn\.py:1/);
  const renamed = await runCli(['release', PY3APP, '--rename', 'test/fixtures/releases/renames.txt', '--resolve', 'app.oldmodels:OldName']);
  assert.equal(renamed.code, 0);
  assert.match(renamed.stdout, /renamed to app\.models:Model by --rename test\/fixtures\/releases\/renames\.txt\n    found: class app\.models\.Model/);
  const bad = await runCli(['release', PY2APP, '--resolve', 'nocolon']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'rehearse: --resolve: expected module:Name, got "nocolon"\n');
});

test('user errors are one line on stderr with exit 2, never a stack trace', async () => {
  const missing = await runCli(['release', 'no/such/dir']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'rehearse: no/such/dir: no such file or directory\n');
  const noClass = await runCli(['release', PY2APP, '--class', 'Nope']);
  assert.equal(noClass.code, 2);
  assert.match(noClass.stderr, /^rehearse: --class: no class Nope in .*\n$/);
});

test('parse errors are listed with file:line', async () => {
  const r = await runCli(['release', 'test/fixtures/releases/broken']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /\nparse errors: 1\n  pkg\/bad\.py:4  def broken\(:\n/);
});
