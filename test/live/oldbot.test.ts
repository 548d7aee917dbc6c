// samples/oldbot: snapshots written by a real Python 2.7 (INST/OBJ, non-ASCII Python 2 str),
// loaded by the Python 3 port under each `encoding=` (see samples/oldbot/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runLiveReplay } from '../../src/replay/live/run.js';
import type { LiveOutcome } from '../../src/replay/live/types.js';
import { repoPath } from '../helpers/run.js';
import { DEBIAN_PYTHON, NEEDS_TWISTED } from './fixtures.js';

const OLD = repoPath('samples/oldbot');

function replay(file: string, encoding: string): Promise<LiveOutcome> {
  return runLiveReplay({
    python: DEBIAN_PYTHON,
    snapshot: path.join(OLD, 'basedir', file),
    snapshotLabel: file,
    releasePath: path.join(OLD, 'releases', '2.0'),
    allowedModules: ['oldbot'],
    encoding,
    needsTwisted: true,
    logProfile: { name: 'oldbot', classes: ['oldbot.status.Builder', 'oldbot.changes.Change'], methods: ['describe', 'asText'] },
  });
}

const summary = (o: LiveOutcome): string[][] => o.findings.map((f) => [f.code, f.class ?? '', f.attribute ?? '', String(f.count), f.paths.join(' ')]);

test("encoding='ASCII' (pickle.load's default): one load-exception per file, suggesting latin1", { skip: NEEDS_TWISTED }, async () => {
  for (const [file, pos] of [['changes.pck', 7], ['oldbot.tap', 3]] as const) {
    const o = await replay(file, 'ASCII');
    assert.deepEqual(summary(o), [['load-exception', '', '', '1', '']]);
    assert.equal(o.findings[0]!.message, `loading the snapshot raised UnicodeDecodeError: 'ascii' codec can't decode byte 0xe9 in position ${pos}: ordinal not in range(128)`);
    assert.match(String(o.findings[0]!.suggestion), /encoding='latin1'/);
    assert.equal(o.snapshotUnchanged, true);
  }
});

test("encoding='bytes': every version key orphaned (shown as bytes), chains re-run and raise", { skip: NEEDS_TWISTED }, async () => {
  const tap = await replay('oldbot.tap', 'bytes');
  assert.deepEqual(summary(tap), [
    ['upgrade-exception', 'oldbot.master.Master', 'title', '1', 'root'],
    ['upgrade-exception', 'oldbot.status.BuildResult', 'text', '3', 'root.builders[0].builds[0] root.builders[0].builds[1] root.builders[1].builds[0]'],
    ['upgrade-exception', 'oldbot.status.Builder', 'name', '2', 'root.builders[0] root.builders[1]'],
    ['version-key-orphaned', 'oldbot.master.Master', "b'oldbot.master.Master.persistenceVersion'", '1', 'root'],
    ['version-key-orphaned', 'oldbot.status.BuildResult', "b'oldbot.status.BuildResult.persistenceVersion'", '3', 'root.builders[0].builds[0] root.builders[0].builds[1] root.builders[1].builds[0]'],
    ['version-key-orphaned', 'oldbot.status.Builder', "b'oldbot.status.Builder.persistenceVersion'", '2', 'root.builders[0] root.builders[1]'],
  ]);
  const builder = tap.findings.find((f) => f.code === 'version-key-orphaned' && f.class === 'oldbot.status.Builder')!;
  assert.equal(builder.details?.savedKey, "b'oldbot.status.Builder.persistenceVersion'");
  assert.deepEqual(builder.details?.reruns, ['upgradeToVersion1', 'upgradeToVersion2']);
  const changes = await replay('changes.pck', 'bytes');
  assert.deepEqual(summary(changes), [
    ['upgrade-exception', 'oldbot.changes.ChangeMaster', 'changes', '1', 'root'],
    ['version-key-orphaned', 'oldbot.changes.ChangeMaster', "b'oldbot.changes.ChangeMaster.persistenceVersion'", '1', 'root'],
  ]);
});

test("encoding='latin1': loads cleanly; renders decode Python 2 bytes byte for byte", { skip: NEEDS_TWISTED }, async () => {
  const tap = await replay('oldbot.tap', 'latin1');
  assert.deepEqual(tap.findings, []);
  assert.equal(tap.renders['root.builders[0]']!.text, 'full (logs 644)\n  #0 by José García at 1104537700: build successful\n  #1 by alice at 1104537800: build failed');
  const changes = await replay('changes.pck', 'latin1');
  assert.deepEqual(changes.findings, []);
  assert.equal(changes.renders['root.changes[0]']!.text, 'change #1 by José García: fix cafÃ© handling (src/café.c)');
  assert.equal(changes.renders['root.changes[2]']!.text, 'change #3 by Zoë: typo ✓ (docs/index.txt)');
});
