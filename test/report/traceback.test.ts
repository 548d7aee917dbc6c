import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { tracebackOf } from '../../src/report/common.js';
import { formatText } from '../../src/report/text.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/build.js';
import type { Finding } from '../../src/report/finding.js';

// A traceback as the live harness captures it (Python 3.11, Twisted 22.4).
const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/x/src/replay/live/harness/rehearse_harness.py", line 604, in run_upgrades',
  '    require_upgrade(obj)',
  '  File "/x/src/replay/live/harness/rehearse_harness.py", line 586, in require_upgrade',
  '    obj.versionUpgrade()',
  '  File "/usr/lib/python3/dist-packages/twisted/persisted/styles.py", line 386, in versionUpgrade',
  '    method(self)',
  '  File "/r/app/status.py", line 198, in upgradeToVersion2',
  '    if not self.description:',
  '           ^^^^^^^^^^^^^^^^',
  "AttributeError: 'BuilderStatus' object has no attribute 'description'",
  '',
].join('\n');

const finding: Finding = {
  code: 'upgrade-exception',
  severity: 'error',
  class: 'app.status.BuilderStatus',
  attribute: 'description',
  message: 'upgradeToVersion2 raises',
  count: 1,
  paths: ['root'],
  snapshots: ['builder'],
  evidence: [],
  engines: ['live'],
  details: { traceback: TRACEBACK },
};

test("tracebacks lose the harness's frames and keep the release's and Twisted's", () => {
  const tb = tracebackOf(finding)!;
  assert.equal(tb[0], 'Traceback (most recent call last):');
  assert.ok(!tb.some((l) => l.includes('rehearse_harness')));
  assert.ok(!tb.some((l) => l.includes('require_upgrade')));
  assert.ok(tb.some((l) => l.includes('styles.py')));
  assert.equal(tb.at(-1), "AttributeError: 'BuilderStatus' object has no attribute 'description'");
  assert.equal(tracebackOf({ ...finding, details: {} }), undefined);
});

test('text and Markdown reports show the traceback', () => {
  const report = buildReport({
    command: 'rehearse check',
    snapshots: [{ file: 'builder', size: 1, sha256: 'x', format: 'pickle' }],
    checked: { engines: ['live'], done: [], skipped: [] },
    findings: [finding],
    failOn: 'error',
    tool: { name: 'rehearse', version: '0.0.0', node: 'v20' },
  });
  const text = formatText(report, { color: new Chalk({ level: 0 }) });
  assert.match(text, /traceback Traceback \(most recent call last\):/);
  assert.match(text, /AttributeError: 'BuilderStatus' object has no attribute 'description'/);
  const md = formatMarkdown(report);
  assert.match(md, /\*\*Traceback\*\* \(live replay\)\n\n```text\nTraceback/);
});
