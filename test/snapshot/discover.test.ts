import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { discoverSnapshots, naturalCompare } from '../../src/snapshot/discover.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../helpers/run.js';

function tree(files: string[]): string {
  const dir = tempDir('rehearse-discover-');
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), 'x');
  }
  return dir;
}

test('a Buildbot basedir is walked recursively, builds in numeric order, temporaries noted', async () => {
  const dir = tree(['full/builder', 'full/10', 'full/2', 'full/2-log-shell-stdio', 'full/2-log-shell-stdio.bz2.tmp', 'full/1', 'changes.pck', '.hidden/x']);
  const r = await discoverSnapshots([dir]);
  assert.deepEqual(
    r.files.map((f) => path.relative(dir, f)),
    ['changes.pck', 'full/1', 'full/2', 'full/2-log-shell-stdio', 'full/10', 'full/builder'],
  );
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0]!, /skipped 2 hidden or leftover temporary file\(s\) \(\.hidden\/x, full\/2-log-shell-stdio\.bz2\.tmp\)/);
});

test('files, directories and patterns combine; duplicates appear once, in input order', async () => {
  const dir = tree(['a/0', 'a/1', 'b/builder']);
  const r = await discoverSnapshots([path.join(dir, 'b/builder'), path.join(dir, 'a'), `${dir}/*/builder`]);
  assert.deepEqual(r.files.map((f) => path.relative(dir, path.resolve(f))), ['b/builder', 'a/0', 'a/1']);
});

test('a pattern that matches nothing is a note; a missing path is a UserError', async () => {
  const dir = tree(['a/0']);
  const r = await discoverSnapshots([`${dir}/*.pck`]);
  assert.deepEqual(r.files, []);
  assert.match(r.notes[0]!, /pattern matched no files/);
  await assert.rejects(discoverSnapshots([path.join(dir, 'missing')]), (e: unknown) => e instanceof UserError && /missing: no such file or directory/.test(e.message));
});

test('natural order puts 2 before 10 and is stable for ties', () => {
  assert.deepEqual(['10', '2', 'builder', '1-log', '1'].sort(naturalCompare), ['1', '1-log', '2', '10', 'builder']);
});
