import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseForLive } from '../../src/check/live.js';

const names = (xs: Array<{ name: string }>): string[] => xs.map((x) => x.name);
const basedir = ['master.tap', 'full/builder', 'full/0', 'full/1', 'full/2', 'full/10', 'quick/builder', 'quick/0', 'quick/1'].map((name) => ({ name }));

test('every file is replayed live when there are few', () => {
  assert.deepEqual(names(chooseForLive(basedir, 100)), names(basedir));
});

test('over the limit: non-build files first, then the newest builds of each folder in turn (listed in input order)', () => {
  assert.deepEqual(names(chooseForLive(basedir, 6)), ['master.tap', 'full/builder', 'full/2', 'full/10', 'quick/builder', 'quick/1']);
  assert.deepEqual(names(chooseForLive(basedir, 2)), ['master.tap', 'full/builder']);
});
