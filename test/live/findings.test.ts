// findingsFromEvents is pure: harness events in, sorted findings out (no Python needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeOfError, findingsFromEvents, releaseEvidence } from '../../src/replay/live/findings.js';
import type { HarnessEvent } from '../../src/replay/live/types.js';

const ROOT = '/rel/v2';
const err = (type: string, message: string, file = `${ROOT}/app/m.py`, line = 7) => ({
  type,
  message,
  traceback: `Traceback (most recent call last):\n  File "${file}", line ${line}\n${type}: ${message}\n`,
  frames: [
    { file: '/usr/lib/python3/dist-packages/twisted/persisted/styles.py', line: 386, name: 'versionUpgrade', text: 'method(self)' },
    { file, line, name: 'upgradeToVersion2', text: 'self.x.strip()' },
  ],
});

test('a probe and an expectation on the same object are one missing-attribute, counted once', () => {
  const events: HarnessEvent[] = [
    { event: 'missing-attribute', class: 'app.m.A', attribute: 'x', path: 'root[0]' },
    { event: 'probe', class: 'app.m.A', method: 'show', ok: false, path: 'root[0]', error: err('AttributeError', "'A' object has no attribute 'x'") },
    { event: 'missing-attribute', class: 'app.m.A', attribute: 'x', path: 'root[1]' },
  ];
  const [f, ...rest] = findingsFromEvents(events, { releaseRoots: [ROOT], snapshot: 's.tap' });
  assert.equal(rest.length, 0);
  assert.deepEqual([f!.code, f!.severity, f!.class, f!.attribute, f!.count, f!.paths], ['missing-attribute', 'error', 'app.m.A', 'x', 2, ['root[0]', 'root[1]']]);
  // Evidence only from frames inside the release, relative to its root.
  assert.deepEqual(f!.evidence, [{ file: 'app/m.py', line: 7, text: 'self.x.strip()', role: 'read' }]);
  assert.deepEqual(f!.engines, ['live']);
  assert.deepEqual(f!.snapshots, ['s.tap']);
});

test('missing modules count the placeholder instances, over 5 paths shown', () => {
  const paths = Array.from({ length: 7 }, (_, i) => `root.items[${i}]`);
  const events: HarnessEvent[] = [
    { event: 'global', module: 'app.old', name: 'Thing', status: 'missing-module', error: err('ModuleNotFoundError', "No module named 'app.old'") },
    { event: 'placeholder-instances', module: 'app.old', name: 'Thing', count: 7, paths },
  ];
  const [f] = findingsFromEvents(events, { releaseRoots: [ROOT], snapshot: 's' });
  assert.equal(f!.code, 'missing-module');
  assert.equal(f!.count, 7);
  assert.deepEqual(f!.paths, paths.slice(0, 5));
  assert.match(f!.suggestion!, /re-exports Thing/);
});

test('a failed upgrade: half-upgraded details; a downgrade is version-downgrade, not an exception', () => {
  const events: HarnessEvent[] = [
    {
      event: 'upgrade', ok: false, class: 'app.m.A', path: 'root', failedStep: 'app.m.A.upgradeToVersion2',
      consumed: ['app.m.A.persistenceVersion'], notRun: ['app.m.A.upgradeToVersion3'], error: err('AttributeError', "'A' object has no attribute 'x'"),
    },
    {
      event: 'upgrade', ok: false, class: 'app.m.B', path: 'root.b', downgrade: [{ class: 'app.m.B', saved: 5, current: 4 }],
      error: err('AssertionError', "Sorry, can't go backwards in time."),
    },
    { event: 'upgrade', ok: true, class: 'app.m.C', path: 'root.c' },
  ];
  const out = findingsFromEvents(events, { releaseRoots: [ROOT], snapshot: 's' });
  assert.deepEqual(out.map((f) => [f.code, f.class, f.attribute]), [
    ['upgrade-exception', 'app.m.A', 'x'],
    ['version-downgrade', 'app.m.B', undefined],
  ]);
  assert.deepEqual(out[0]!.details?.stepsNotRun, ['app.m.A.upgradeToVersion3']);
  assert.equal(out[0]!.details?.method, 'upgradeToVersion2');
  assert.match(out[1]!.message, /persistenceVersion 5; the target's is 4/);
});

test('findings come out in code-point order of their key, whatever the event order', () => {
  const a: HarnessEvent = { event: 'gap', class: 'x.Builder', base: 'x.Builder', version: 2, path: 'root' };
  const b: HarnessEvent = { event: 'gap', class: 'x.BuildResult', base: 'x.BuildResult', version: 2, path: 'root' };
  const one = findingsFromEvents([a, b], { releaseRoots: [], snapshot: 's' }).map((f) => f.class);
  const two = findingsFromEvents([b, a], { releaseRoots: [], snapshot: 's' }).map((f) => f.class);
  assert.deepEqual(one, ['x.BuildResult', 'x.Builder']);
  assert.deepEqual(two, one);
});

test('helpers: the attribute of an AttributeError, evidence outside the release dropped', () => {
  assert.equal(attributeOfError("'Item' object has no attribute 'price'"), 'price');
  assert.equal(attributeOfError('something else'), undefined);
  assert.deepEqual(releaseEvidence(err('E', 'm', '/elsewhere/m.py'), [ROOT], 'traceback'), []);
  // A root that is a prefix of another folder's name is not that folder.
  assert.deepEqual(releaseEvidence(err('E', 'm', '/rel/v2x/m.py'), [ROOT], 'traceback'), []);
});
