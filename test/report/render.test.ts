import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { parseFormat, renderReport, REPORT_FORMATS } from '../../src/report/render.js';
import { UserError } from '../../src/errors.js';
import { unsafeReport } from './sample-reports.js';

const color = new Chalk({ level: 0 });

test('every --format renders, each in its own shape', () => {
  const out = Object.fromEntries(REPORT_FORMATS.map((f) => [f, renderReport(f, unsafeReport(), { color, releaseRoot: '/srv/rel' })]));
  assert.match(out.text!, /^UNSAFE to upgrade in place/);
  assert.match(out.markdown!, /^# rehearse: UNSAFE/);
  assert.equal(JSON.parse(out.json!).format, 'rehearse-report');
  assert.equal((out.junit!.match(/<testcase /g) ?? []).length, 3, 'one testcase per snapshot by default');
  assert.equal(JSON.parse(out.sarif!).version, '2.1.0');
  const one = renderReport('junit', unsafeReport(), { color, junitName: 'basedir' });
  assert.equal((one.match(/<testcase /g) ?? []).length, 1);
});

test('--format values: md is markdown; an unknown one is a one-line UserError', () => {
  assert.equal(parseFormat('md'), 'markdown');
  assert.equal(parseFormat('sarif'), 'sarif');
  assert.throws(() => parseFormat('html'), (e: unknown) => e instanceof UserError && /choose one of text, markdown, json, junit, sarif/.test(e.message));
});
