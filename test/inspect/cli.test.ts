import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run.js';

const F = 'test/fixtures/snapshots';

test('a Buildbot basedir: every pickle summarised with classes and saved versions, logs skipped with notes', async () => {
  const r = await runCli(['inspect', `${F}/basedir`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^test\/fixtures\/snapshots\/basedir\/changes\.pck {2}pickle, protocol 0, 294 B$/m);
  assert.match(r.stdout, /^test\/fixtures\/snapshots\/basedir\/full\/2 {2}pickle, protocol 2, /m);
  assert.match(r.stdout, /^ {4}buildbot\.status\.builder\.BuildStatus +1 {2}3$/m);
  assert.match(r.stdout, /^ {4}buildbot\.status\.builder\.BuildStepStatus +2 {2}2$/m);
  assert.match(r.stdout, /^ {4}buildbot\.status\.builder\.LegacyThing +1 {2}1 \(bare legacy key\)$/m);
  assert.match(r.stdout, /^5 snapshots inspected, 6 skipped \(not snapshots\)$/m);
  assert.match(r.stderr, /note: test\/fixtures\/snapshots\/basedir\/full\/1-log-git-stdio: skipped, not a snapshot: .*Buildbot step log/);
  assert.match(r.stderr, /skipped 1 hidden or leftover temporary file\(s\) \(full\/2-log-shell-stdio\.bz2\.tmp\)/);
  assert.doesNotMatch(r.stdout + r.stderr, /\bat .*\.js:\d+/); // no stack traces
  // Builds in numeric order, builder last.
  const order = [...r.stdout.matchAll(/^test\/fixtures\/snapshots\/basedir\/(\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(order, ['changes.pck', 'full/0', 'full/1', 'full/2', 'full/builder']);
});

test('--json: one document with the same facts, identical from run to run', async () => {
  const a = await runCli(['inspect', `${F}/basedir`, `${F}/misc/unsafe-system.pickle`, '--json']);
  const b = await runCli(['inspect', `${F}/basedir`, `${F}/misc/unsafe-system.pickle`, '--json']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const doc = JSON.parse(a.stdout);
  assert.equal(doc.schema, 'rehearse-inspect');
  assert.equal(doc.schemaVersion, 1);
  assert.deepEqual(doc.totals, { inspected: 6, partial: 0, skipped: 6, failed: 0, unsafe: 1 });
  const build = doc.snapshots.find((s: { file: string }) => s.file === `${F}/basedir/full/0`);
  assert.equal(build.status, 'ok');
  assert.equal(build.format, 'pickle');
  assert.equal(build.protocol, 2);
  assert.equal(build.python2Hints, true);
  const bs = build.classes.find((c: { class: string }) => c.class === 'buildbot.status.builder.BuildStatus');
  assert.deepEqual(bs.versions, [{ key: 'buildbot.status.builder.BuildStatus.persistenceVersion', class: 'buildbot.status.builder.BuildStatus', version: 3, count: 1 }]);
  assert.deepEqual(bs.how, { OBJ: 1 });
  const legacy = build.classes.find((c: { class: string }) => c.class === 'buildbot.status.builder.LegacyThing');
  assert.deepEqual(legacy.versions, [{ key: 'persistenceVersion', class: null, version: 1, count: 1 }]);
  const log = doc.snapshots.find((s: { file: string }) => s.file === `${F}/basedir/full/0-log-git-stdio`);
  assert.equal(log.status, 'skipped');
  const unsafe = doc.snapshots.find((s: { file: string }) => s.file.endsWith('unsafe-system.pickle'));
  assert.deepEqual(unsafe.unsafe.map((u: { callable: string; args: string; confidence: string }) => [u.callable, u.args, u.confidence]), [['posix.system', "'echo pwned'", 'high']]);
});

test('unsafe globals are shown prominently, and inspect still exits 0', async () => {
  const r = await runCli(['inspect', `${F}/misc/unsafe-system.pickle`]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /UNSAFE: 1 global would execute code when this snapshot is loaded/);
  assert.match(r.stdout, /unsafe-global \[high\] posix\.system\('echo pwned'\)\n {6}runs a command .*; at byte \d+, root\[1\]/);
});

test('gzip, bzip2 and AOT snapshots are read by content and labelled', async () => {
  const r = await runCli(['inspect', `${F}/misc/named-like-text.txt`, `${F}/misc/multistream.bz2`, `${F}/aot/builder.tas`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /named-like-text\.txt {2}pickle\+gzip, protocol 4, 237 B \(352 B pickle\)/);
  assert.match(r.stdout, /multistream\.bz2 {2}pickle\+bzip2, protocol 4/);
  assert.match(r.stdout, /builder\.tas {2}aot, AOT source \(Python 3 strings\) → protocol 2/);
  assert.match(r.stdout, /flock\.jobs\.Job +3 {2}5/);
});

test('a corrupt pickle: one line naming file, byte and opcode, exit 2, nothing on stdout', async () => {
  const r = await runCli(['inspect', `${F}/misc/bad-opcode.pickle`]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^rehearse: test\/fixtures\/snapshots\/misc\/bad-opcode\.pickle: .+ at byte \d+ \(opcode [^)]+\)\n$/);
  // With --json the good files are still reported, the bad one as an error entry; exit 2.
  const j = await runCli(['inspect', '--json', `${F}/misc/bad-opcode.pickle`, `${F}/basedir/full/builder`]);
  assert.equal(j.code, 2);
  const doc = JSON.parse(j.stdout);
  assert.deepEqual(Object.keys(doc.snapshots[0]).sort(), ['error', 'file', 'offset', 'opcode', 'status']);
  assert.equal(doc.snapshots[0].status, 'error');
  assert.doesNotMatch(doc.snapshots[0].error, /bad-opcode\.pickle/);
  assert.equal(doc.snapshots[1].status, 'ok');
  assert.equal(doc.totals.failed, 1);
});

test('--partial shows what was decoded before the error and says it is partial', async () => {
  const r = await runCli(['inspect', `${F}/misc/bad-opcode.pickle`, '--partial']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /PARTIAL: decoding stopped at byte \d+/);
  assert.match(r.stdout, /flock\.service\.Service/);
  const j = JSON.parse((await runCli(['inspect', `${F}/misc/bad-opcode.pickle`, '--partial', '--json'])).stdout);
  assert.equal(j.snapshots[0].status, 'partial');
  assert.equal(typeof j.snapshots[0].partial.offset, 'number');
  assert.equal(j.totals.partial, 1);
});

test('--tree: indented graph, shared objects as → path, start path and depth honoured', async () => {
  const r = await runCli(['inspect', `${F}/basedir/full/0`, '--tree', '--depth', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^root: buildbot\.status\.builder\.BuildStatus OBJ, 9 attrs$/m);
  assert.match(r.stdout, /^ {6}\.build: → root$/m); // a step points back at its build: a cycle, shown once
  assert.match(r.stdout, /^ {2}\.reason: 'r\\xe9vision caf\\xe9'$/m);
  const sub = await runCli(['inspect', `${F}/basedir/full/0`, '--tree', 'root.steps[1].logs[0]', '--depth', '1']);
  assert.equal(sub.code, 0, sub.stderr);
  assert.match(sub.stdout, /^root\.steps\[1\]\.logs\[0\]: buildbot\.status\.builder\.LogFile OBJ, 4 attrs$/m);
  assert.match(sub.stdout, /^ {2}\.filename: '0-log-shell-stdio'$/m);
  assert.match(sub.stdout, /^ {2}\.step: buildbot\.status\.builder\.BuildStepStatus OBJ, 5 attrs …$/m);
  const bad = await runCli(['inspect', `${F}/basedir/full/0`, '--tree', 'root.nothing']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^rehearse: .*full\/0: no object at path root\.nothing\n$/);
});

test('input errors exit 2 with one line: missing path, encrypted snapshot, bad options', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['inspect', `${F}/nope`], /^rehearse: test\/fixtures\/snapshots\/nope: no such file or directory\n$/],
    [['inspect', `${F}/misc/service.etap`], /^rehearse: .*service\.etap: looks like an encrypted Twisted snapshot.*decrypt it first.*\n$/],
    [['inspect', `${F}/misc/truncated.bz2`], /^rehearse: .*truncated\.bz2: truncated bzip2 data .* at byte \d+\n$/],
    [['inspect', `${F}/basedir/full/0`, '--depth', '2'], /--depth only applies with --tree/],
    [['inspect', `${F}/basedir/full/0`, '--tree', '--depth', 'x'], /expected a whole number/],
    [['inspect', `${F}/basedir/full/0`, '--tree', '--json'], /cannot be combined with --json/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('many skipped files: the first ten are named, the rest counted', async () => {
  const r = await runCli(['inspect', `${F}/basedir`, `${F}/misc/notes.txt`, `${F}/misc/empty`, `${F}/aot/make_aot.py`, `${F}/gen/make_misc.py`, `${F}/gen/make_basedir.py`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stderr.match(/skipped, not a snapshot/g) ?? []).length, 10);
  assert.match(r.stderr, /^rehearse: note: 1 more files skipped, not snapshots \(--json lists them all\)$/m);
});

test('a file that is not a snapshot is a note, not an error', async () => {
  const r = await runCli(['inspect', `${F}/misc/notes.txt`, `${F}/misc/py3-proto0.data`]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /note: .*notes\.txt: skipped, not a snapshot/);
  assert.match(r.stdout, /1 snapshot inspected, 1 skipped \(not snapshots\)/);
});

test('colour only when asked: FORCE_COLOR colours the summary and the tree, NO_COLOR keeps them plain', async () => {
  const args = ['inspect', `${F}/misc/unsafe-system.pickle`, '--tree', '--depth', '1'];
  const coloured = await runCli(args, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
  assert.equal(coloured.code, 0, coloured.stderr);
  assert.match(coloured.stdout, /\x1b\[31m\x1b\[1m {2}UNSAFE/);
  assert.match(coloured.stdout, /\x1b\[36mflock\.service\.Service\x1b\[39m/);
  const plain = await runCli(args);
  assert.doesNotMatch(plain.stdout, /\x1b\[/);
  assert.equal(plain.stdout, coloured.stdout.replace(/\x1b\[\d+m/g, ''));
});
