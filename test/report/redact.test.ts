import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { redactReport, REDACTED } from '../../src/report/redact.js';
import { buildReport } from '../../src/report/build.js';
import type { Finding } from '../../src/report/finding.js';
import type { Report } from '../../src/report/report.js';
import { formatJson } from '../../src/report/json.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatText } from '../../src/report/text.js';
import { formatJunit } from '../../src/report/junit.js';
import { formatSarif } from '../../src/report/sarif.js';
import { TOOL, unsafeReport } from './sample-reports.js';

const SECRET = 'hunter2-s3cr3t';
const TOKEN = 'ghp_abcdefghijklmnop';

function leakyReport(): Report {
  const f: Finding = {
    code: 'missing-attribute',
    severity: 'error',
    class: 'buildbot.buildslave.BuildSlave',
    attribute: 'password',
    message: `BuildSlave lacks 'password' after the upgrade (was '${SECRET}' in the snapshot)`,
    count: 1,
    paths: [`root.slaves['${TOKEN}']`],
    snapshots: ['basedir/builder'],
    evidence: [
      { file: 'buildbot/buildslave.py', line: 40, text: "        self.password = 'changeme'", role: 'init' },
      { file: 'buildbot/buildslave.py', line: 41, text: '        self.password = password', role: 'init' },
      { file: 'basedir/builder', text: `state: {'name': 'bot1', 'passwd': 'p@ss word', "auth_token": "${TOKEN}"}`, role: 'snapshot' },
    ],
    engines: ['simulated'],
    details: { savedState: { name: 'bot1', password: SECRET, nested: { apiKey: 'k-123' } }, note: `url=https://x/?token=${TOKEN}&a=1` },
  };
  return buildReport({
    command: `rehearse check basedir --redact ${SECRET}`,
    tool: TOOL,
    snapshots: [{ file: 'basedir/builder', size: 1, sha256: '0', format: 'pickle' }],
    checked: { engines: ['simulated'], done: ['simulated replay'], skipped: [] },
    findings: [f],
    logs: [
      {
        path: 'root.builds[1].steps[0].logs[0]', snapshot: 'basedir/builder', name: 'stdio', status: 'differs', added: 1, removed: 1,
        diff: `-svn co --password=${SECRET} http://svn\n+svn co --password ${SECRET} http://svn\n Cookie: session=abc123`,
      },
    ],
    failOn: 'error',
  });
}

function allFormats(r: Report): string {
  return [
    formatJson(r), formatMarkdown(r), formatText(r, { color: new Chalk({ level: 0 }) }),
    formatJunit([{ name: 'x', report: r }]), formatSarif([{ name: 'x', report: r }], { releaseRoot: '/rel' }),
  ].join('\n');
}

test('listed values and values of secret-looking names are gone from every format', () => {
  const before = allFormats(leakyReport());
  for (const s of [SECRET, TOKEN, 'p@ss word', 'k-123', 'abc123']) assert.ok(before.includes(s), `fixture must contain ${s}`);
  const r = redactReport(leakyReport(), { values: [SECRET, TOKEN] });
  const after = allFormats(r);
  for (const s of [SECRET, TOKEN, 'p@ss word', 'k-123', 'abc123', "'changeme'"]) assert.ok(!after.includes(s), `${s} leaked`);
  assert.ok(after.includes(REDACTED));
});

test('code is kept readable: identifiers on the right of a source assignment are not values', () => {
  const r = redactReport(leakyReport(), { values: [] });
  const ev = r.findings[0]!.evidence;
  assert.equal(ev[0]!.text, `        self.password = '${REDACTED}'`);
  assert.equal(ev[1]!.text, '        self.password = password');
  assert.equal(r.findings[0]!.attribute, 'password', 'attribute names are not secrets');
  assert.equal(r.findings[0]!.class, 'buildbot.buildslave.BuildSlave');
  assert.deepEqual(r.findings[0]!.details, {
    savedState: { name: 'bot1', password: REDACTED, nested: { apiKey: REDACTED } },
    note: `url=https://x/?token=${REDACTED}&a=1`,
  });
});

test('what was redacted is recorded by name only, never the value', () => {
  const r = redactReport(leakyReport(), { values: ['unused', SECRET] });
  const redacted = r.checked.redacted ?? [];
  assert.ok(redacted.length > 0);
  assert.ok(redacted.some((s) => s.startsWith('listed value #2')), redacted.join(', '));
  assert.ok(!redacted.some((s) => s.startsWith('listed value #1')), 'a value that never appeared is not claimed');
  assert.ok(redacted.some((s) => s.startsWith('password in')));
  const text = JSON.stringify(redacted);
  for (const s of [SECRET, TOKEN, 'p@ss word', 'k-123']) assert.ok(!text.includes(s));
  assert.match(formatText(r, { color: new Chalk({ level: 0 }) }), /^Redacted: /m);
});

test('a report without secrets comes back unchanged, and redaction is idempotent', () => {
  const clean = unsafeReport();
  assert.deepEqual(redactReport(clean, { names: /^(password|passwd)$/ }), clean);
  const once = redactReport(leakyReport(), { values: [SECRET] });
  assert.deepEqual(redactReport(once, { values: [SECRET] }), once);
});

test('an empty listed value is ignored rather than splitting every string', () => {
  const r = redactReport(unsafeReport(), { values: [''], names: /^$/ });
  assert.deepEqual(r, unsafeReport());
});

test("the engines' own vocabulary survives: dotted Python names under key-ish names are code, not secrets", () => {
  const base = leakyReport();
  base.findings[0]!.details = {
    consumedKeys: ['tinybot.master.TinyMaster.persistenceVersion'],
    versionKey: 'tinybot.sourcestamp.SourceStamp.persistenceVersion',
    apiKey: 'k-123',
    tokens: ['t0ken-1', 'pkg.mod.Name'],
  };
  base.findings[0]!.message = 'saved key=tinybot.sourcestamp.SourceStamp.persistenceVersion, token=abc-123';
  const r = redactReport(base, { values: [] });
  assert.deepEqual(r.findings[0]!.details, {
    consumedKeys: ['tinybot.master.TinyMaster.persistenceVersion'],
    versionKey: 'tinybot.sourcestamp.SourceStamp.persistenceVersion',
    apiKey: REDACTED,
    tokens: [REDACTED, 'pkg.mod.Name'],
  });
  assert.equal(r.findings[0]!.message, `saved key=tinybot.sourcestamp.SourceStamp.persistenceVersion, token=${REDACTED}`);
});
