import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { validateXML } from 'xmllint-wasm';
import { formatJunit } from '../../src/report/junit.js';
import { redactReport } from '../../src/report/redact.js';
import { buildReport, splitBySnapshot } from '../../src/report/build.js';
import { repoPath } from '../helpers/run.js';
import { SAMPLES, TOOL, nastyReport, safeReport, unsafeReport, incompleteReport } from './sample-reports.js';

const XSD = readFileSync(repoPath('test', 'fixtures', 'schemas', 'jenkins-junit.xsd'), 'utf8');

async function assertValid(xml: string): Promise<void> {
  const r = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
  assert.ok(r.valid, r.errors.map((e) => e.rawMessage).join('\n'));
}

const all = () => Object.entries(SAMPLES).map(([name, make]) => ({ name, report: make() }));

test('JUnit output is valid against the Jenkins junit XSD (every sample, escaping included)', async () => {
  await assertValid(formatJunit(all()));
  await assertValid(formatJunit([]));
  await assertValid(formatJunit(splitBySnapshot(unsafeReport())));
});

test('the validator is not a rubber stamp: it rejects a testcase without a name', async () => {
  const broken = formatJunit([{ name: 'x', report: safeReport() }]).replace(' name="x"', '');
  const r = await validateXML({ xml: [{ fileName: 'r.xml', contents: broken }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
  assert.equal(r.valid, false);
});

test('one testcase per snapshot; a case fails exactly when its report fails --fail-on', async () => {
  const xml = formatJunit(all());
  assert.match(xml, /<testsuites name="rehearse" tests="4" failures="3" errors="0">/);
  const cases = [...xml.matchAll(/<testcase classname="rehearse\.check" name="([^"]*)">([\s\S]*?)<\/testcase>/g)];
  assert.deepEqual(cases.map((m) => m[1]), ['unsafe', 'safe', 'incomplete', 'nasty']);
  const failed = cases.filter((m) => m[2]!.includes('<failure ')).map((m) => m[1]);
  assert.deepEqual(failed, ['unsafe', 'incomplete', 'nasty']);
});

test('a failure carries the failing findings only, not accepted or below-threshold ones', () => {
  const xml = formatJunit([{ name: 'unsafe', report: unsafeReport() }]);
  const failure = /<failure message="([^"]*)" type="([^"]*)">([\s\S]*?)<\/failure>/.exec(xml);
  assert.ok(failure);
  assert.equal(failure[1], 'UNSAFE to upgrade in place: 8 errors, 4 warnings, 3 info; 1 accepted');
  assert.equal(failure[2], 'load-exception');
  const body = failure[3]!;
  assert.equal((body.match(/^error /gm) ?? []).length, 8);
  assert.ok(!body.includes('upgrade-gap'), 'a warning is below --fail-on error');
  assert.ok(!body.includes('nextBuildNumber_'), 'accepted findings never fail');
  assert.ok(xml.includes('nextBuildNumber_'), 'but they are listed in system-out');
  const warn = formatJunit([{ name: 'i', report: incompleteReport() }]);
  assert.match(warn, /<failure message="INCOMPLETE[^"]*" type="upgrade-gap">/);
});

test('nasty strings are escaped, control characters shown as text, and a real XML parser reads them back', () => {
  const xml = formatJunit([{ name: 'a<b>&"c"', report: nastyReport() }]);
  assert.ok(!/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(xml), 'no raw control characters');
  assert.ok(xml.includes('name="a&lt;b&gt;&amp;&quot;c&quot;"'));
  const py = spawnSync('python3', ['-c', [
    'import sys, xml.etree.ElementTree as ET',
    'root = ET.fromstring(sys.stdin.buffer.read())',
    'case = root.find("testsuite/testcase")',
    'print(case.get("name")); print(case.find("failure").text.splitlines()[0])',
  ].join('\n')], { input: xml, encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const [name, first] = py.stdout.split('\n');
  assert.equal(name, 'a<b>&"c"');
  assert.equal(first, 'error missing-attribute app.models.Thing.x: weird text: a<b>&"c"\'d\' `tick` |pipe| *star* _under_ \\x01ctl\\x1b[31mred \uFFFD ünï');
});

test('JUnit is deterministic (no timestamps) and redaction carries through', () => {
  assert.equal(formatJunit(all()), formatJunit(all()));
  assert.ok(!/timestamp=|time=/.test(formatJunit(all())));
  const r = redactReport(unsafeReport(), { values: ['buildbot.sourcestamp'] });
  assert.ok(!formatJunit([{ name: 'u', report: r }]).includes('buildbot.sourcestamp'));
});

test('xmllint (libxml2), when installed, accepts it too', { skip: spawnSync('xmllint', ['--version']).status !== 0 && 'xmllint not installed' }, () => {
  const r = spawnSync('xmllint', ['--noout', '--schema', repoPath('test', 'fixtures', 'schemas', 'jenkins-junit.xsd'), '-'], {
    input: formatJunit(all()),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('a snapshot that could not be checked at all is a skipped testcase, still schema-valid', async () => {
  const report = buildReport({
    command: 'c', tool: TOOL, findings: [], failOn: 'error',
    snapshots: [{ file: 'basedir/full/7', size: 10, sha256: '0', format: 'pickle+bzip2', skipped: 'truncated bzip2 stream' }],
    checked: { engines: ['simulated'], done: [], skipped: [] },
  });
  assert.equal(report.summary.verdict, 'INCOMPLETE');
  const xml = formatJunit([{ name: 'basedir/full/7', report }]);
  assert.match(xml, /skipped="1"/);
  assert.match(xml, /<testcase classname="rehearse\.check" name="basedir\/full\/7">\n {6}<skipped>basedir\/full\/7: truncated bzip2 stream<\/skipped>/);
  await assertValid(xml);
});
