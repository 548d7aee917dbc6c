import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILDBOT_PROFILE, loadLogProfile, parseLogProfile, profileFromOptions } from '../../src/logs/profile.js';
import { UserError } from '../../src/errors.js';
import { repoPath } from '../helpers/run.js';

test('loads a JSON profile file', async () => {
  const p = await loadLogProfile(repoPath('test/fixtures/live/profiles/shop.json'));
  assert.deepEqual(p.classes, ['shop.logs.StepLogFile']);
  assert.deepEqual(p.methods, ['getTextWithHeaders', 'getText']);
  assert.deepEqual(p.attach, [{ class: 'shop.models.Inventory', attr: 'basedir', value: '$BASEDIR', onlyIfMissing: true }]);
});

test('bad profiles are one-line user errors', async () => {
  await assert.rejects(loadLogProfile(repoPath('test/fixtures/live/profiles/bad.json')), (e: unknown) => e instanceof UserError && /"classes" must be/.test(e.message));
  await assert.rejects(loadLogProfile(repoPath('test/fixtures/live/profiles/missing.json')), (e: unknown) => e instanceof UserError && /ENOENT/.test(e.message));
  assert.throws(() => parseLogProfile('{', 'p.json'), /p.json: not valid JSON/);
  assert.throws(() => parseLogProfile('{"classes":["a"],"methods":["m"],"attach":[{"class":"a"}]}', 'p.json'), /attach\[0\]/);
  assert.throws(() => profileFromOptions('a.B', 'get text'), UserError);
});

test('--log-class/--render-method, and the built-in Buildbot profile', () => {
  assert.deepEqual(profileFromOptions('app.logs.Log', 'render'), { name: 'custom', classes: ['app.logs.Log'], methods: ['render'] });
  assert.deepEqual(BUILDBOT_PROFILE.classes, ['*LogFile']);
  assert.deepEqual(BUILDBOT_PROFILE.methods, ['getTextWithHeaders', 'getText']);
});
