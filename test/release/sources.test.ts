import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { zipSync, strToU8 } from 'fflate';
import { UserError } from '../../src/errors.js';
import { loadRelease, parseRenames, resolveGlobal } from '../../src/release/index.js';
import { moduleNameOf } from '../../src/release/sources.js';
import { repoPath } from '../helpers/run.js';

let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-src-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const BUILD_PY = 'class Build(object):\n    def __init__(self):\n        self.n = 0\n';

test('an sdist (.tar.gz) is read through its single top folder, src/ layout included', async () => {
  const top = path.join(tmp, 'sd', 'flock-2.0');
  await fs.mkdir(path.join(top, 'src', 'flock'), { recursive: true });
  await fs.writeFile(path.join(top, 'setup.py'), 'from setuptools import setup\nsetup()\n');
  await fs.writeFile(path.join(top, 'src', 'flock', '__init__.py'), '');
  await fs.writeFile(path.join(top, 'src', 'flock', 'status.py'), BUILD_PY);
  const file = path.join(tmp, 'flock-2.0.tar.gz');
  await tar.c({ gzip: true, file, cwd: path.join(tmp, 'sd') }, ['flock-2.0']);
  const m = await loadRelease({ path: file });
  assert.deepEqual(Object.keys(m.modules).sort(), ['flock', 'flock.status']);
  assert.equal(m.modules['flock.status']!.file, 'src/flock/status.py');
  assert.equal(resolveGlobal(m, 'flock.status', 'Build').status, 'found');
  // The temp dir is removed: nothing named rehearse-sdist-* is left behind by this load.
  const left = (await fs.readdir(os.tmpdir())).filter((n) => n.startsWith('rehearse-sdist-'));
  for (const n of left) {
    const st = await fs.stat(path.join(os.tmpdir(), n));
    assert.ok(Date.now() - st.mtimeMs > 60_000, `left behind: ${n}`);
  }
});

test('a wheel is read in memory; dist-info is skipped', async () => {
  const file = path.join(tmp, 'flock-2.0-py3-none-any.whl');
  await fs.writeFile(
    file,
    zipSync({
      'flock/__init__.py': strToU8(''),
      'flock/status.py': strToU8(BUILD_PY),
      'flock-2.0.dist-info/METADATA': strToU8('Name: flock\n'),
    }),
  );
  const m = await loadRelease({ path: file });
  assert.deepEqual(Object.keys(m.modules).sort(), ['flock', 'flock.status']);
  assert.deepEqual(m.classes['flock.status.Build']!.methods.__init__!.attrs.map((u) => u.attr), ['n']);
});

test('a directory that is itself a package is indexed under its own name', async () => {
  const m = await loadRelease({ path: repoPath('test/fixtures/releases/py2app/bb') });
  assert.ok(m.modules['bb.status.builder']);
  assert.equal(m.modules['bb.status.builder']!.file, 'bb/status/builder.py');
});

test('the content hash depends on file contents, not on where the release lies', async () => {
  const a = await loadRelease({ path: repoPath('test/fixtures/releases/py2app') });
  const copy = path.join(tmp, 'copy');
  await fs.cp(repoPath('test/fixtures/releases/py2app'), copy, { recursive: true });
  const b = await loadRelease({ path: copy });
  assert.equal(a.contentHash, b.contentHash);
  await fs.appendFile(path.join(copy, 'bb', 'status', 'logfile.py'), '\n# changed\n');
  const c = await loadRelease({ path: copy });
  assert.notEqual(a.contentHash, c.contentHash);
});

async function userError(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, `not a UserError: ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test('bad inputs are one-line user errors', async () => {
  await userError(loadRelease({ path: path.join(tmp, 'nope') }), /nope: no such file or directory$/);
  const empty = path.join(tmp, 'empty');
  await fs.mkdir(empty);
  await fs.writeFile(path.join(empty, 'README'), 'hi');
  await userError(loadRelease({ path: empty }), /empty: no Python files found$/);
  const bz = path.join(tmp, 'x.tar.bz2');
  await fs.writeFile(bz, Buffer.from('BZh91AY&SY'));
  await userError(loadRelease({ path: bz }), /bzip2-compressed archive is not supported/);
  const badgz = path.join(tmp, 'bad.tar.gz');
  await fs.writeFile(badgz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
  await userError(loadRelease({ path: badgz }), /bad\.tar\.gz: unreadable tar archive/);
  const badzip = path.join(tmp, 'bad.whl');
  await fs.writeFile(badzip, Buffer.from('PK\x03\x04garbage'));
  await userError(loadRelease({ path: badzip }), /bad\.whl: not a readable zip archive/);
  const txt = path.join(tmp, 'notes.txt');
  await fs.writeFile(txt, 'hello');
  await userError(loadRelease({ path: txt }), /not a directory, sdist/);
  await userError(loadRelease({ path: repoPath('test/fixtures/releases/py2app'), renames: path.join(tmp, 'none.txt') }), /cannot read rename file/);
});

test('module names come from paths; unimportable paths are skipped', () => {
  assert.deepEqual(moduleNameOf('a/b/__init__.py'), { module: 'a.b', isPackage: true });
  assert.deepEqual(moduleNameOf('a/b.py'), { module: 'a.b', isPackage: false });
  assert.equal(moduleNameOf('my-scripts/run.py'), undefined);
});

test('rename maps: zodbupdate lines and JSON objects', () => {
  const text = "# comment\nold.mod Old = new.mod New\n\n'a.b C' = 'd.e F'  # trailing\n";
  assert.deepEqual({ ...parseRenames(text) }, { 'old.mod Old': 'new.mod New', 'a.b C': 'd.e F' });
  assert.deepEqual({ ...parseRenames('{"old.mod Old": "new.mod New"}') }, { 'old.mod Old': 'new.mod New' });
  assert.throws(() => parseRenames('old.mod = new.mod New', 'r.txt'), /r\.txt:1: expected "module\.path ClassName"/);
  assert.throws(() => parseRenames('old.mod Old new.mod New', 'r.txt'), /r\.txt:1: expected "old\.module OldName = new\.module NewName"/);
  assert.throws(() => parseRenames('{"a b": 3}', 'r.json'), /value of "a b" is not a string/);
  assert.throws(() => parseRenames('{oops', 'r.json'), /r\.json: not valid JSON/);
});
